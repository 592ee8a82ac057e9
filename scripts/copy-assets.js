// Copies the non-TypeScript files the compiled tool reads at run time (the ledger DDL) into dist/.
import { cpSync } from 'node:fs';

cpSync('src/adapters/ledger/ddl', 'dist/src/adapters/ledger/ddl', { recursive: true });
