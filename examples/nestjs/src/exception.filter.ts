import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isDownloadError } from 'express-signed-downloads';

/**
 * The app's one error envelope, for Nest's errors and the library's alike:
 * `{ error: { code, message, status } }`. The download middleware passes its
 * refusals here (`errors: 'next'`); a `DownloadError` keeps its stable code and
 * the headers it needs (`Content-Range` on a 416, `WWW-Authenticate`, …).
 * Anything else unexpected is logged and answered as a bare 500.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (isDownloadError(exception)) {
      if (exception.status >= 500) this.logger.error(exception.cause ?? exception);
      res.status(exception.status).set(exception.headers ?? {}).json({ error: { code: exception.code, message: exception.message, status: exception.status } });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = status === 401 ? 'UNAUTHENTICATED' : status === 404 ? 'NOT_FOUND' : `HTTP_${status}`;
      res.status(status).json({ error: { code, message: exception.message, status } });
      return;
    }
    this.logger.error(exception);
    res.status(500).json({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error.', status: 500 } });
  }
}
