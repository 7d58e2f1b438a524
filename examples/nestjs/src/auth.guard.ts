import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AuthService, type User } from './auth.service.js';

/** For Nest's own routes. The download routers are middleware: Nest runs no guard for them, so they call AuthService themselves. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request & { user?: User }>();
    const user = this.auth.userFromRequest(req);
    if (user === null) throw new UnauthorizedException();
    req.user = user;
    return true;
  }
}
