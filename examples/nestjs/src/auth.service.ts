import { Injectable } from '@nestjs/common';
import type { Request } from 'express';

export interface User {
  id: string;
  orgIds: readonly string[];
}

/** API tokens and the users they stand for; a real app verifies a JWT or a session here. */
const TOKENS: ReadonlyMap<string, User> = new Map([
  ['alice-token', { id: 'alice', orgIds: ['acme'] }],
  ['bob-token', { id: 'bob', orgIds: ['globex'] }],
]);

/**
 * The one lookup from a request to its user. The guard (Nest routes) and the
 * downloads provider's `authenticate` (middleware, where guards never run)
 * both call it, so the two kinds of route cannot disagree on who is asking.
 */
@Injectable()
export class AuthService {
  userFromRequest(req: Request): User | null {
    const header = req.get('authorization') ?? '';
    const token = /^Bearer ([^\s]+)$/.exec(header)?.[1];
    return token === undefined ? null : TOKENS.get(token) ?? null;
  }
}
