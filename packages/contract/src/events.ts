import { IdParams, z } from './common.ts';
import { defineRoute } from './route.ts';
import { resourceTypes } from './vocabulary.ts';

const TAG = 'Events';

const uuidQuery = z
  .string()
  .optional()
  .transform((s) => (s === '' ? undefined : s))
  .refine(
    (s) => s === undefined || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s),
    'must be a UUID',
  )
  .openapi({ type: 'string', format: 'uuid', description: 'Only events of this resource.' });

export const EventStreamQuery = z.object({
  resource_type: z
    .enum(resourceTypes)
    .optional()
    .openapi({ description: 'Only events of this resource type.' }),
  resource_id: uuidQuery,
});

/** The wire format of both streams (documented once; the body is text, not JSON). */
const SSE_FORMAT = [
  'Server-Sent Events (`text/event-stream`). Each message has `id` (the monotonic event id),',
  '`event` and one `data` line of JSON. Send the last `id` you received as the `Last-Event-ID`',
  'header to resume without gaps or repeats. A comment line (`: heartbeat`) comes every 15 s.',
  'Authenticate with the Bearer header (never a token in the query string); at most 20 open',
  'streams per user (429 beyond); each stream counts once against the rate limit.',
].join(' ');

const eventStream = (description: string) => ({
  description,
  content: { 'text/event-stream': { schema: { type: 'string' as const, description: SSE_FORMAT } } },
});

export const eventRoutes = {
  streamOperationEvents: defineRoute({
    operationId: 'streamOperationEvents',
    method: 'get',
    path: '/api/operations/{id}/events',
    tag: TAG,
    summary: 'Live events of one operation (SSE): every event so far, then each new one until it ends',
    description: [
      'First the operation’s committed events (after `Last-Event-ID` when given), then each new one as',
      'it is committed. `event` is `status` (the status changed), `log` (a message in the same status),',
      '`progress` (progress moved; `id` repeats the last event’s) or `done` (the terminal event, after',
      'which the stream ends). `data` is `{ "status", "message", "at", "progress" }`.',
    ].join(' '),
    params: IdParams,
    errors: [404],
    responses: { 200: eventStream('The event stream.') },
  }),
  streamEvents: defineRoute({
    operationId: 'streamEvents',
    method: 'get',
    path: '/api/events',
    tag: TAG,
    summary: 'Live status changes of your resources and their operations (SSE), for live lists',
    description: [
      'Every status change of your operations from now on (after `Last-Event-ID` when given: what',
      'came after it), optionally of one resource type or resource. `event` is `status` or `done`',
      '(the operation ended); `data` is `{ "status", "message", "at", "progress", "operation_id",',
      '"kind", "resource_type", "resource_id", "resource_status" }` where `resource_status` is the',
      'resource’s status when the change was read. The stream stays open until you close it.',
    ].join(' '),
    query: EventStreamQuery,
    responses: { 200: eventStream('The event stream.') },
  }),
};
