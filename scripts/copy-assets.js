// Copies the non-TypeScript files the compiled tool reads at run time (the ledger DDL) into dist/.
import { cpSync } from 'node:fs';

cpSync('src/ledger/ddl', 'dist/src/ledger/ddl', { recursive: true });
