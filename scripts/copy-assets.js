// Copies the non-TypeScript files the compiled tool reads at run time into dist/: the ledger DDL and
// the Python helpers that read a Django project's migration plan and its models.
import { cpSync } from 'node:fs';

cpSync('src/adapters/ledger/ddl', 'dist/src/adapters/ledger/ddl', { recursive: true });
cpSync('src/adapters/sources/django/plan_helper.py', 'dist/src/adapters/sources/django/plan_helper.py');
cpSync('src/adapters/sources/django/model_helper.py', 'dist/src/adapters/sources/django/model_helper.py');
