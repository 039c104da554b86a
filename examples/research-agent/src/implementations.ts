// Worker-side code for the tools. The "world" here is the testing kit's effect recorder standing in
// for your tracker and mail service; it honours the Idempotency-Key header as a real API should.
import { implement } from '@ratchet/core/worker';
import { postEffect } from '@ratchet/testing';
import { fileTicket, sendEmail } from './agent.ts';

export function implementations(worldUrl: string) {
  return [
    implement(fileTicket, {
      execute: (ticket, { idempotencyKey, signal }) => postEffect(worldUrl, { type: 'ticket.filed', payload: ticket }, idempotencyKey, { signal }),
      compensate: async (_ticket, filed, { idempotencyKey }) => {
        await postEffect(worldUrl, { type: 'ticket.closed', payload: { id: filed.id } }, idempotencyKey);
      },
    }),
    implement(sendEmail, {
      execute: (email, { idempotencyKey, signal }) => postEffect(worldUrl, { type: 'email.sent', payload: email }, idempotencyKey, { signal }),
    }),
  ];
}
