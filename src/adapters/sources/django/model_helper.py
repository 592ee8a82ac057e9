"""The models of a Django project for deployctl, as one JSON document on the last line of stdout.

deployctl runs this file inside the project's own `manage.py shell` (so the project's settings,
apps and sys.path are Django's own), with DEPLOYCTL_ARGS set in its globals:

- project_dir: the folder of manage.py. A model whose .py file is below it (and not inside a
  site-packages or dist-packages folder, as a virtualenv in the project would be) is the
  project's own; anything else (django.contrib, packages from PyPI) is third-party.
- pending: also list the migrations the database has not applied (this reads django_migrations).
- module: the path of a schema-hash module to read (SCHEMA_HASH = {"app.Model": "hash", ...}); it
  is parsed, never imported, so a stale or broken one cannot stop the check that reports it.

For every concrete model Django manages (proxies and managed = False models have no table of
their own to check): its table, whether Meta.db_table names it, the tables an instance is read
from (its own and those of its concrete parents), its many-to-many fields with their join tables
and its GenericForeignKeys, each with the .py file and line that declares it.
"""
import ast
import json
import os
import sys

from django.apps import apps

FORMAT = 1
ARGS = globals().get("DEPLOYCTL_ARGS") or {}

_trees = {}


def tree_of(path):
    """The parsed module at `path`, or None when it cannot be read; parsed once."""
    if path not in _trees:
        try:
            with open(path, encoding="utf-8") as f:
                _trees[path] = ast.parse(f.read(), path)
        except (OSError, SyntaxError, ValueError):
            _trees[path] = None
    return _trees[path]


def file_of(cls):
    path = getattr(sys.modules.get(cls.__module__), "__file__", None)
    return os.path.realpath(path) if path else None


def class_node(cls):
    """The `class` statement of `cls` in its module (top level, or nested one level in a class or function)."""
    path = file_of(cls)
    tree = tree_of(path) if path else None
    if tree is None:
        return None
    candidates = []
    for node in tree.body:
        candidates.append(node)
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            candidates.extend(node.body)
    for node in candidates:
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
            return node
    return None


def declared_at(model, name):
    """(file, line) of the assignment `name = ...` in the class body that declares the field.

    A field inherited from an abstract parent is declared in the parent's class, so the classes
    of the model's MRO are searched in order. Falls back to the model's `class` line.
    """
    for cls in model.__mro__:
        node = class_node(cls)
        if node is None:
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.Assign):
                targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                targets = [stmt.target.id]
            else:
                continue
            if name in targets:
                return file_of(cls), stmt.lineno
    node = class_node(model)
    return file_of(model), node.lineno if node else None


def is_own(path, project_dir):
    if not path:
        return False
    if os.path.commonpath([path, project_dir]) != project_dir:
        return False
    parts = os.path.relpath(path, project_dir).split(os.sep)
    return not any(part in ("site-packages", "dist-packages") for part in parts)


def is_generic_foreign_key(field):
    # By class name along the MRO: django.contrib.contenttypes may not be installed at all.
    return any(
        c.__name__ == "GenericForeignKey" and c.__module__.startswith("django.contrib.contenttypes")
        for c in type(field).__mro__
    )


def describe(model, project_dir):
    meta = model._meta
    path = file_of(model)
    node = class_node(model)
    tables = [meta.db_table] + [parent._meta.db_table for parent in meta.get_parent_list() if not parent._meta.proxy]
    m2m = []
    for field in meta.local_many_to_many:
        through = field.remote_field.through
        file, line = declared_at(model, field.name)
        m2m.append(
            {
                "field": field.name,
                "table": field.m2m_db_table(),
                "through": None if through._meta.auto_created else through._meta.label,
                "target": field.remote_field.model._meta.label,
                "columns": [field.m2m_column_name(), field.m2m_reverse_name()],
                "fieldNames": [field.m2m_field_name(), field.m2m_reverse_field_name()],
                "file": file,
                "line": line,
            }
        )
    gfks = []
    for field in meta.private_fields:
        if not is_generic_foreign_key(field):
            continue
        file, line = declared_at(model, field.name)
        gfks.append(
            {"field": field.name, "ctField": field.ct_field, "fkField": field.fk_field, "file": file, "line": line}
        )
    return {
        "label": meta.label,
        "app": meta.app_label,
        "own": is_own(path, project_dir),
        "file": path,
        "line": node.lineno if node else None,
        "table": meta.db_table,
        "explicitTable": "db_table" in meta.original_attrs,
        "tables": tables,
        "m2m": m2m,
        "gfks": gfks,
    }


def read_module(path):
    """SCHEMA_HASH of the module at `path`: {label: {"hash", "line"}}, or an error saying why not."""
    if not os.path.exists(path):
        return {"path": path, "exists": False, "entries": {}}
    tree = tree_of(path)
    if tree is None:
        return {"path": path, "exists": True, "entries": {}, "error": "it is not valid Python"}
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "SCHEMA_HASH" for t in stmt.targets)):
            continue
        if not isinstance(stmt.value, ast.Dict):
            return {"path": path, "exists": True, "entries": {}, "line": stmt.lineno, "error": "SCHEMA_HASH is not a literal dict"}
        entries = {}
        for key, value in zip(stmt.value.keys, stmt.value.values):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                return {"path": path, "exists": True, "entries": {}, "line": stmt.lineno, "error": "a key of SCHEMA_HASH is not a string literal"}
            text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
            entries[key.value] = {"hash": text, "line": key.lineno}
        return {"path": path, "exists": True, "entries": entries, "line": stmt.lineno}
    return {"path": path, "exists": True, "entries": {}, "error": "it does not assign SCHEMA_HASH"}


def pending_migrations():
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return ["%s.%s" % (migration.app_label, migration.name) for migration, backwards in plan if not backwards]


def main():
    project_dir = os.path.realpath(ARGS.get("project_dir") or os.getcwd())
    models = [
        describe(model, project_dir)
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    ]
    models.sort(key=lambda m: m["label"])
    document = {"format": FORMAT, "projectDir": project_dir, "models": models}
    if ARGS.get("pending"):
        document["pending"] = pending_migrations()
    if ARGS.get("module"):
        document["module"] = read_module(os.path.abspath(ARGS["module"]))
    sys.stdout.write("\n" + json.dumps(document) + "\n")
    sys.stdout.flush()


main()
