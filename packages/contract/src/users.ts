import { pageOf, pageQuery, text, timestamp, uuid, z } from './common.ts';
import { defineRoute } from './route.ts';
import { userRoles, userTiers } from './vocabulary.ts';

export const CreateUserBody = z
  .object({
    email: z.email().max(254),
    password: text(1024).refine((p) => p.length >= 8, 'must be at least 8 characters'),
    role: z.enum(userRoles),
    tier: z.enum(userTiers).default('standard'),
  })
  .openapi('CreateUser', {
    example: {
      email: 'dev@example.com',
      password: 'correct-horse-battery',
      role: 'operator',
      tier: 'standard',
    },
  });
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const User = z
  .object({
    id: uuid,
    email: z.string(),
    role: z.enum(userRoles),
    tier: z.enum(userTiers),
    created_at: timestamp,
  })
  .openapi('User');
export type User = z.infer<typeof User>;

export const UserList = pageOf(User, 'UserList');
export const UserListQuery = pageQuery(userRoles)
  .pick({ page: true, per_page: true })
  .extend({
    role: z.enum(userRoles).optional().openapi({ description: 'Only users with this role.' }),
    email: z
      .string()
      .max(254)
      .optional()
      .transform((s) => (s === '' ? undefined : s))
      .openapi({ type: 'string', maxLength: 254, description: 'Only users whose email contains this text.' }),
  });

/** Where a browser keeps its refresh token: HttpOnly, SameSite=Strict, Path=/api/auth. */
export const REFRESH_COOKIE = 'slipway_refresh';

export const LoginBody = z
  .object({
    email: text(254),
    password: text(1024),
    refresh_cookie: z
      .boolean()
      .optional()
      .openapi({
        description: `true: the refresh token is set as the HttpOnly, SameSite=Strict \`${REFRESH_COOKIE}\` cookie (Path=/api/auth, Secure over https) and left out of the body, so no page script can read it (the web console).`,
      }),
  })
  .openapi('Login', { example: { email: 'admin@slipway.local', password: 'correct-horse-battery' } });
export const RefreshBody = z
  .object({
    refresh_token: text(512)
      .optional()
      .openapi({
        description: `Omit it to use the \`${REFRESH_COOKIE}\` cookie; the new refresh token then comes back as that cookie, not in the body.`,
      }),
  })
  .openapi('Refresh');

export const Tokens = z
  .object({
    access_token: z.string().openapi({ description: 'A JWT for `Authorization: Bearer`, valid 1 hour.' }),
    refresh_token: z
      .string()
      .optional()
      .openapi({
        description: `Single use: each refresh returns a new one. Absent when it travels in the \`${REFRESH_COOKIE}\` cookie.`,
      }),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ description: 'Seconds.' }),
  })
  .openapi('Tokens');
export type Tokens = z.infer<typeof Tokens>;

export const userRoutes = {
  login: defineRoute({
    operationId: 'login',
    method: 'post',
    path: '/api/auth/login',
    tag: 'Auth',
    summary: 'Email + password -> access token (1 h) and a rotating refresh token',
    public: true,
    body: LoginBody,
    errors: [401],
    responses: { 200: { description: 'Signed in.', schema: Tokens } },
  }),
  refreshToken: defineRoute({
    operationId: 'refreshToken',
    method: 'post',
    path: '/api/auth/refresh',
    tag: 'Auth',
    summary: 'Trade a refresh token for a new pair (a reused token is a 401)',
    public: true,
    body: RefreshBody,
    errors: [401],
    responses: { 200: { description: 'New tokens.', schema: Tokens } },
  }),
  createUser: defineRoute({
    operationId: 'createUser',
    method: 'post',
    path: '/api/users',
    tag: 'Users',
    summary: 'Create a user (admins only)',
    body: CreateUserBody,
    idempotent: true,
    errors: [403, 409],
    responses: { 201: { description: 'Created.', schema: User } },
  }),
  listUsers: defineRoute({
    operationId: 'listUsers',
    method: 'get',
    path: '/api/users',
    tag: 'Users',
    summary: 'List every user, oldest first (admins only)',
    query: UserListQuery,
    errors: [403],
    responses: { 200: { description: 'One page.', schema: UserList, paginated: true } },
  }),
  getCurrentUser: defineRoute({
    operationId: 'getCurrentUser',
    method: 'get',
    path: '/api/users/me',
    tag: 'Users',
    summary: 'Who the token belongs to',
    errors: [404],
    responses: { 200: { description: 'The user.', schema: User } },
  }),
};
