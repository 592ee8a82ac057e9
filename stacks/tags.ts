/**
 * Tags every taggable resource carries, so cost reports, IAM conditions and the console can tell
 * which app, stack and tool own it. Resources whose AWS API has no tags (route table
 * associations, IAM policy attachments and inline policies) go without.
 */
import * as pulumi from '@pulumi/pulumi';

export const MANAGED_BY = 'deployctl';

/** `Name` plus `app` (the Pulumi project), `stack` and `managed-by`. */
export function tags(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Name: name, app: pulumi.getProject(), stack: pulumi.getStack(), 'managed-by': MANAGED_BY, ...extra };
}
