import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { userRole, userTier } from './enums.ts';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  // argon2id PHC string (older rows: scrypt$N$r$p$salt$hash, upgraded at login), never the password.
  passwordHash: text('password_hash').notNull(),
  role: userRole('role').notNull(),
  tier: userTier('tier').notNull().default('standard'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
export type User = typeof users.$inferSelect;
