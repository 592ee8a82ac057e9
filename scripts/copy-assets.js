// Copies the non-TypeScript files the compiled tool reads at run time into dist/: the ledger DDL and
// the Python helpers that read a Django project's migration plan and models and apply its migrations.
import { cpSync } from 'node:fs';

cpSync('src/adapters/ledger/ddl', 'dist/src/adapters/ledger/ddl', { recursive: true });
for (const helper of ['plan_helper.py', 'apply_helper.py', 'model_helper.py'])
  cpSync(`src/adapters/sources/django/${helper}`, `dist/src/adapters/sources/django/${helper}`);
