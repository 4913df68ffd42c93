"""Ship the central rate tables as data, and refuse UPDATE/DELETE of ledger rows in the database (PostgreSQL).

- 2008 central table [Dues2008], in force from 2008-04-01: employees ≤3000 0.5 %, ≤5000 1 %, ≤10000 1.5 %, above 2 %;
  retirees ≤5000 0.5 %, above 1 %; farmers 0.20–1.00 yuan (default 0.20); students, unemployed, relief 0.20 yuan.
- The earlier table seen in seed 000 (400/600/800/1500 yuan at 0.5–3 %), in force from 1998-01-01 until the 2008
  table, so that a historic year is charged by the table then in force.
"""
from django.db import migrations

APPEND_ONLY_TABLES = ["dues_ledgerentry", "dues_payment", "dues_paymentreversal", "dues_remittance"]


def create_tables(apps, schema_editor):
    from dues.rates import install_central_tables

    install_central_tables(apps.get_model("dues", "RateTable"), apps.get_model("dues", "RateBracket"))


def remove_tables(apps, schema_editor):
    apps.get_model("dues", "RateTable").objects.filter(unit__isnull=True).delete()


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("""
        CREATE OR REPLACE FUNCTION dues_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% rows are append-only: reverse them instead', TG_TABLE_NAME;
        END;
        $$ LANGUAGE plpgsql;
    """, params=None)
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                              f"FOR EACH ROW EXECUTE FUNCTION dues_append_only();")


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS dues_append_only();")


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]

    operations = [
        migrations.RunPython(create_tables, remove_tables),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
