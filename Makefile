.PHONY: demo test bench messages
demo:      ## install everything and run the app with demo data (SQLite)
	bash scripts/demo.sh
test:      ## install test needs and run the whole suite (PostgreSQL + Redis)
	bash scripts/test.sh
bench:     ## page benchmarks on PostgreSQL with the large demo data -> docs/benchmarks.md
	bash scripts/services.sh
	.venv/bin/python -m benchmarks
messages:  ## refresh and compile the zh_Hans catalogue
	.venv/bin/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=benchmarks --ignore=media --ignore=docs --ignore=node_modules
	.venv/bin/python manage.py compilemessages -l zh_Hans
