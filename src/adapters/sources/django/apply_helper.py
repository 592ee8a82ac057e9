"""Applies one stage of Django migrations for deployctl, in one process, one migration at a time.

deployctl runs this file inside the project's own `manage.py shell` (its settings, apps and
database) and drives it over a pipe, one JSON document per line:

  stdin, first line   {"stage": ["shop.0002_product_sku", ...]}   the stage's migrations, in plan order
  stdin, then         {"run": "shop.0002_product_sku", "lock_timeout_ms": 2000, "statement_timeout_ms": 0}
                      {"finish": true}    the stage is done: post_migrate, then exit
  stdout              {"deployctl": "ready", "pending": [...]}
                      {"deployctl": "started", "migration": "...", "pid": 1234}   the backend pid
                      {"deployctl": "applied", "migration": "...", "ms": 12}
                      {"deployctl": "failed", "migration": "...", "error": "...", "sqlstate": "55P03"}
                      {"deployctl": "finished"}
                      {"deployctl": "fatal", "error": "..."}    nothing can run (bad stage)

Each migration is applied the way `migrate` applies it (MigrationExecutor.apply_migration: its
`atomic` flag, RunPython, SeparateDatabaseAndState, the django_migrations row in the same
transaction), over one project state carried from migration to migration, and only when deployctl
asks: deployctl records the previous one in its ledger first, so a run that dies anywhere leaves
the ledger at most one migration behind django_migrations, which it catches up on next time.
A failed migration is reported and the process waits: deployctl retries it (a lock timeout) or
ends the stage, and the ones before it stay applied. The stage starts with the pre_migrate signal
(contenttypes turns RenameModel into content type renames) and ends with post_migrate
(permissions, content types), as one `migrate` does. End of input without `finish` exits
without post_migrate, as a failed `migrate` does.
"""
import json
import os
import signal
import sys
import time

from django.apps import apps as global_apps
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ModelState, ProjectState

# The protocol owns the real stdout; whatever the project prints (a RunPython's print) goes to stderr.
protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr
# Ctrl-C reaches the whole process group: deployctl decides when to stop (between migrations) and
# then closes this process's input.
signal.signal(signal.SIGINT, signal.SIG_IGN)


def send(kind, **fields):
    protocol.write(json.dumps(dict(deployctl=kind, **fields)) + "\n")
    protocol.flush()


def sqlstate(error):
    """The SQLSTATE of the database error behind `error` (psycopg2: pgcode; psycopg 3: sqlstate)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        for attribute in ("pgcode", "sqlstate"):
            code = getattr(error, attribute, None)
            if isinstance(code, str) and len(code) == 5:
                return code
        diag = getattr(error, "diag", None)
        code = getattr(diag, "sqlstate", None)
        if isinstance(code, str) and len(code) == 5:
            return code
        error = error.__cause__ or error.__context__
    return None


def error_text(error):
    lines = str(error).strip().splitlines()
    return "%s: %s" % (type(error).__name__, lines[0] if lines else "")


class Stage:
    def __init__(self, connection, keys):
        self.connection = connection
        connection.prepare_database()
        self.executor = MigrationExecutor(connection)
        loader = self.executor.loader
        loader.check_consistent_history(connection)
        self.executor.recorder.ensure_schema()
        graph = loader.graph
        self.applied_at_start = set(loader.applied_migrations)
        self.full_plan = [m for m, _ in self.executor.migration_plan(graph.leaf_nodes(), clean_start=True)]
        self.migrations = {}
        for key in keys:
            app, _, name = key.partition(".")
            if (app, name) not in graph.nodes:
                raise LookupError("%s is not in Django's migration graph" % key)
            self.migrations[key] = graph.nodes[(app, name)]
        self.pending = [k for k in keys if (self.migrations[k].app_label, self.migrations[k].name) not in self.applied_at_start]
        # Each one's dependencies must be applied already or come earlier in the stage: deployctl
        # never lets Django pull in a migration of another stage.
        available = set(self.applied_at_start)
        for key in self.pending:
            migration = self.migrations[key]
            for parent in graph.node_map[(migration.app_label, migration.name)].parents:
                if parent.key not in available:
                    raise LookupError(
                        "%s depends on %s.%s, which is neither applied nor earlier in this stage" % ((key,) + parent.key)
                    )
            available.add((migration.app_label, migration.name))
        self.plan = [(self.migrations[k], False) for k in self.pending]
        self.done = []
        self.state = self.executor._create_project_state(with_applied_migrations=True)
        emit_pre_migrate_signal(0, False, connection.alias, apps=self.state.apps, plan=self.plan)
        self.state = self.state.clone()
        self.state.apps  # rendered once; apply_migration then updates it in place, as `migrate` does

    def rebuild_state(self):
        """The state after the applied migrations and those this process applied, in plan order."""
        state = ProjectState(real_apps=list(self.executor.loader.unmigrated_apps))
        included = self.applied_at_start | {(m.app_label, m.name) for m in self.done}
        for migration in self.full_plan:
            if (migration.app_label, migration.name) in included:
                migration.mutate_state(state, preserve=False)
        state.apps
        return state

    def run(self, key, lock_timeout_ms, statement_timeout_ms):
        migration = self.migrations.get(key)
        if migration is None:
            raise LookupError("%s is not in this stage" % key)
        if key not in self.pending or migration in self.done:
            send("applied", migration=key, ms=0, already=True)
            return
        applied = self.applied_at_start | {(m.app_label, m.name) for m in self.done}
        node = self.executor.loader.graph.node_map[(migration.app_label, migration.name)]
        missing = ["%s.%s" % parent.key for parent in node.parents if parent.key not in applied]
        if missing:
            raise LookupError("%s depends on %s, not applied yet" % (key, ", ".join(sorted(missing))))
        started = time.monotonic()
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = %d" % int(lock_timeout_ms))
                cursor.execute("SET statement_timeout = %d" % int(statement_timeout_ms))
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            send("started", migration=key, pid=pid)
            started = time.monotonic()
            self.state = self.executor.apply_migration(self.state, migration)
        except Exception as error:  # noqa: BLE001 - reported to deployctl, which decides
            # A broken connection is opened again for the next attempt; settings are set again anyway.
            if not self.connection.in_atomic_block:
                self.connection.close()
            # apply_migration changed the state in place before it failed: start again from what is applied.
            self.state = self.rebuild_state()
            send("failed", migration=key, error=error_text(error), sqlstate=sqlstate(error))
            return
        self.done.append(migration)
        send("applied", migration=key, ms=int((time.monotonic() - started) * 1000))

    def finish(self):
        """What `migrate` does after its last migration: squashed migrations, then post_migrate."""
        self.executor.check_replacements()
        state = self.state
        state.clear_delayed_apps_cache()
        post_apps = state.apps
        with post_apps.bulk_update():
            model_keys = []
            for model_state in post_apps.real_models:
                model_key = model_state.app_label, model_state.name_lower
                model_keys.append(model_key)
                post_apps.unregister_model(*model_key)
        post_apps.render_multiple([ModelState.from_model(global_apps.get_model(*model)) for model in model_keys])
        emit_post_migrate_signal(0, False, self.connection.alias, apps=post_apps, plan=self.plan)


def main():
    connection = connections[DEFAULT_DB_ALIAS]
    first = sys.stdin.readline()
    try:
        keys = json.loads(first)["stage"]
        stage = Stage(connection, keys)
    except Exception as error:  # noqa: BLE001 - reported to deployctl
        send("fatal", error=error_text(error))
        return 1
    send("ready", pending=stage.pending)
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if command.get("finish"):
            try:
                stage.finish()
            except Exception as error:  # noqa: BLE001 - reported to deployctl
                send("fatal", error=error_text(error))
                return 1
            send("finished")
            return 0
        try:
            stage.run(command["run"], command["lock_timeout_ms"], command["statement_timeout_ms"])
        except LookupError as error:
            send("fatal", error=str(error))
            return 1
    return 0


sys.exit(main())
