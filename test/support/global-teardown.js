export default async function globalTeardown() {
  await globalThis.__deployctlServer?.stop();
}
