import { authenticate, DomainError, recordAudit } from '@slipway/core';
import { queueNames } from '@slipway/jobs';
import { Hono, type MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { HTTPException } from 'hono/http-exception';
import type { ApiApp, AppDeps, AppEnv } from '../../context.ts';
import { errorBody } from '../../errors.ts';
import { clientAddress } from '../../middleware/client-address.ts';
import { createLoginLimiter } from '../../middleware/login-limiter.ts';
import { tooManyRequests, trustList } from '../../middleware/rate-limit.ts';

class LoginLimited extends Error {
  readonly retryAfterS: number;
  constructor(retryAfterS: number) {
    super('login attempts limited');
    this.retryAfterS = retryAfterS;
  }
}

export const QUEUE_BOARD_PATH = '/admin/queues';
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UUID_IN_PATH = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

type Producer = NonNullable<AppDeps['core']['producer']>;

/**
 * The board itself: bull-board's Hono plugin mounted at /admin/queues on an app of its own, routed
 * with the API's getPath (so /v1/admin/queues works as before). Its packages (bull-board, its ejs
 * views, lodash, valibot: ~1 MB of code) are imported here, on the board's first request, not when
 * the API starts: operators open it rarely and an idle API should not carry it.
 */
async function buildBoard(producer: Producer, getPath: (req: Request) => string): Promise<Hono> {
  // Specifiers of npm packages (external in the bundle), so the bundle imports them lazily too.
  const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }, { serveStatic }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/hono'),
    import('@hono/node-server/serve-static'),
  ]);
  const adapter = new HonoAdapter(serveStatic).setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: queueNames.map((n) => new BullMQAdapter(producer.queue(n))),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Slipway queues' } },
  });
  // Errors go on to the API's onError (logged, the contract's 500), from the plugin as from the
  // board: the plugin is an app of the hono @bull-board/hono imports, which need not be the bundle's
  // copy, and Hono hands a sub-app's errors to that sub-app's own handler unless both are one copy.
  const rethrow = (err: Error): never => {
    throw err;
  };
  const plugin = adapter.registerPlugin();
  plugin.onError(rethrow);
  const board = new Hono({ getPath });
  board.route(QUEUE_BOARD_PATH, plugin);
  // Unknown board paths answer like the API's own 404.
  board.notFound((c) => c.json(errorBody(404, 'Resource not found'), 404));
  board.onError(rethrow);
  return board;
}

/**
 * bull-board at /admin/queues for operators watching the queues in a browser. A browser cannot
 * send our Bearer token, so the board asks for HTTP Basic credentials: an admin's email and
 * password (checked with the same KDF and the same login limiter as POST /api/auth/login, so
 * guesses here count there too; anyone else is refused).
 */
export function registerQueueBoard(app: ApiApp, deps: AppDeps): void {
  const producer = deps.core.producer;
  if (!producer) return;
  const realm = 'Slipway queues (admin)';
  // The same login limiter as POST /api/auth/login (same Redis keys): guesses here and there add up.
  const limiter = createLoginLimiter({ redis: deps.redis, prefix: deps.config.QUEUE_PREFIX });
  const addressOf = clientAddress(trustList(deps.config.TRUST_PROXY));
  const basic = basicAuth({
    realm,
    verifyUser: async (email, password, c) => {
      const address = addressOf(c);
      const verdict = await limiter.begin(address, email);
      if (!verdict.allowed) throw new LoginLimited(verdict.retryAfterS);
      const user = await authenticate(deps.core, email, password).catch((e: unknown) => {
        if (e instanceof DomainError && e.code === 'unauthorized') return null;
        throw e;
      });
      if (!user) {
        await limiter.failed(address, email);
        return false;
      }
      await limiter.succeeded(address, email);
      if (user.role !== 'admin') return false;
      c.set('auditUserId', user.id);
      return true;
    },
  });
  // The 401 must carry WWW-Authenticate so the browser asks for credentials; the body keeps the
  // contract's error shape.
  const adminOnly: MiddlewareHandler<AppEnv> = async function queueBoardAuth(c, next) {
    try {
      await basic(c, next);
      // What an admin does on the board (retry, clean, promote, remove, pause) is audited, before
      // the response goes out; the board's reads are not.
      const userId = c.get('auditUserId');
      if (userId && !READS.has(c.req.method)) {
        await recordAudit(deps.core, {
          userId,
          action: `${c.req.method} ${c.req.path}`,
          method: c.req.method,
          path: c.req.path,
          resourceId: UUID_IN_PATH.exec(c.req.path)?.[0] ?? null,
          statusCode: c.res.status,
          requestId: c.get('requestId'),
        }).catch((err: unknown) => deps.log?.warn({ err }, 'queue board audit write failed'));
      }
      return;
    } catch (e) {
      if (e instanceof LoginLimited) return tooManyRequests(c, e.retryAfterS);
      if (!(e instanceof HTTPException) || e.status !== 401) throw e;
      return c.json(errorBody(401, 'Authentication required'), 401, {
        'WWW-Authenticate': `Basic realm="${realm}"`,
      });
    }
  };
  app.use(QUEUE_BOARD_PATH, adminOnly);
  app.use(`${QUEUE_BOARD_PATH}/*`, adminOnly);
  let board: Promise<Hono> | undefined;
  const serveBoard: MiddlewareHandler<AppEnv> = async function queueBoard(c) {
    board ??= buildBoard(producer, (req) => app.getPath(req)).catch((err: unknown) => {
      board = undefined;
      throw err;
    });
    return (await board).fetch(c.req.raw, c.env);
  };
  app.all(QUEUE_BOARD_PATH, serveBoard);
  app.all(`${QUEUE_BOARD_PATH}/*`, serveBoard);
}
