/**
 * A deploy or rollback command runs in its own process group, recorded on its release row while
 * it runs. A deployctl killed meanwhile leaves the command running; it could put its version back
 * after the resumed release rolled it back. The run that resumes or aborts the release stops that
 * group before anything else, and says so.
 */
import os from 'node:os';
import type { LedgerStore } from '../../adapters/ledger/store.js';
import { stopGroup } from '../../adapters/process/group.js';
import type { Emit } from '../../ports.js';

export async function stopLeftoverCommand(ledger: LedgerStore, releaseId: number, emit: Emit): Promise<void> {
  const group = await ledger.commandGroup(releaseId);
  if (!group) return;
  if (group.host !== os.hostname()) {
    emit({
      type: 'info',
      message: `release ${releaseId}: its deploy command ran on ${group.host} (process group ${group.pgid}) when its run ended; if it still runs there, stop it (kill -TERM -${group.pgid})`,
    });
  } else {
    const outcome = await stopGroup(group.pgid, `DEPLOYCTL_RELEASE_ID=${releaseId}`);
    if (outcome === 'stopped')
      emit({
        type: 'info',
        message: `stopped the deploy command that the ended run of release ${releaseId} left running (process group ${group.pgid})`,
      });
    if (outcome === 'still-running')
      emit({
        type: 'info',
        message: `the deploy command left by release ${releaseId} (process group ${group.pgid}) did not stop after SIGKILL`,
      });
  }
  await ledger.setCommandGroup(releaseId, null);
}

/** The RolloutContext hook that records the running command's process group on the release. */
export function recordCommand(ledger: LedgerStore, releaseId: number): (pgid: number | null) => Promise<void> {
  return (pgid) => ledger.setCommandGroup(releaseId, pgid);
}
