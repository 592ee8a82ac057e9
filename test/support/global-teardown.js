import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  await globalThis.__deployctlServer?.stop();
  if (process.env.DEPLOYCTL_TEST_TMP) rmSync(process.env.DEPLOYCTL_TEST_TMP, { recursive: true, force: true });
}
