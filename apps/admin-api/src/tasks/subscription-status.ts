import { Type } from '@sinclair/typebox';
import { KopitraError } from '@kopitra/protocol';
import { getSubscription, updateSubscription } from '@kopitra/store';
import { defineTask, TaskFailure, type TaskDefinition } from './task-definition';

const Params = Type.Object({ subscriptionId: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

/** pause-subscription / resume-subscription, through the subscription repository (audit row, gateway cache notification). */
function statusTask(status: 'paused' | 'active'): TaskDefinition {
  const verb = status === 'paused' ? 'pause' : 'resume';
  return defineTask({
    id: `${verb}-subscription`,
    title: status === 'paused' ? 'Pause subscription' : 'Resume subscription',
    description: status === 'paused'
      ? 'Pauses a subscription: new opens stop; closes of existing copies still follow the master.'
      : 'Resumes a paused subscription (also one paused by a stop-out): new opens are copied again.',
    params: Params,
    supportsDryRun: false,
    dangerous: false,
    access: 'operator',
    async prepare(q, params) {
      const sub = await getSubscription(q, params.subscriptionId);
      if (!sub) throw new KopitraError('not_found', `subscription ${params.subscriptionId} not found`);
      return { accountId: sub.followerAccountId };
    },
    async run(ctx, params) {
      const out = await ctx.effect('status', async (q) => {
        const sub = await getSubscription(q, params.subscriptionId);
        if (!sub) throw new TaskFailure(`subscription ${params.subscriptionId} not found`);
        if (sub.settings.status === status) return { subscriptionId: sub.id, status, changed: false };
        const after = await updateSubscription(q, ctx.requestedBy, sub.id, (s) => ({ ...s, status }));
        return { subscriptionId: after.id, status: after.settings.status, changed: true };
      });
      return { result: out, summary: out.changed ? `subscription ${out.subscriptionId} ${status}` : `subscription ${out.subscriptionId} was already ${status}` };
    },
  });
}

export const pauseSubscriptionTask = statusTask('paused');
export const resumeSubscriptionTask = statusTask('active');
