import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { authenticate } from '@slipway/core';
import { queueNames } from '@slipway/jobs';
import type { MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { HTTPException } from 'hono/http-exception';
import type { ApiApp, AppDeps, AppEnv } from '../../context.ts';
import { errorBody } from '../../errors.ts';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * bull-board at /admin/queues for operators watching the queues in a browser. A browser cannot
 * send our Bearer token, so the board asks for HTTP Basic credentials: an admin's email and
 * password (checked with the same KDF as login; anyone else is refused).
 */
export function registerQueueBoard(app: ApiApp, deps: AppDeps): void {
  const producer = deps.core.producer;
  if (!producer) return;
  const adapter = new HonoAdapter(serveStatic).setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: queueNames.map((n) => new BullMQAdapter(producer.queue(n))),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Slipway queues' } },
  });
  const realm = 'Slipway queues (admin)';
  const basic = basicAuth({
    realm,
    verifyUser: async (email, password) =>
      (await authenticate(deps.core, email, password).catch(() => null))?.role === 'admin',
  });
  // The 401 must carry WWW-Authenticate so the browser asks for credentials; the body keeps the
  // contract's error shape.
  const adminOnly: MiddlewareHandler<AppEnv> = async function queueBoardAuth(c, next) {
    try {
      return await basic(c, next);
    } catch (e) {
      if (!(e instanceof HTTPException) || e.status !== 401) throw e;
      return c.json(errorBody(401, 'Authentication required'), 401, {
        'WWW-Authenticate': `Basic realm="${realm}"`,
      });
    }
  };
  app.use(QUEUE_BOARD_PATH, adminOnly);
  app.use(`${QUEUE_BOARD_PATH}/*`, adminOnly);
  app.route(QUEUE_BOARD_PATH, adapter.registerPlugin());
}
