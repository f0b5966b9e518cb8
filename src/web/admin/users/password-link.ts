import type { Request, Response } from 'express';
import type { PasswordLinks } from '../../../directory/password-links.ts';
import type { Services } from '../../../services.ts';
import { passwordLinkUrl } from '../../routes/set-password.ts';
import { actorOf } from '../access.ts';
import { isFormError, rejectedForm } from '../forms.ts';
import { loadUser, renderUser } from './pages.ts';

/**
 * `POST /admin/users/:id/password-link`: creates a one-time set-password link, which replaces
 * the user's unused ones, and shows its URL on this response only. Sesame stores just the
 * token's hash, so the page is not cached and the URL cannot be shown again.
 */
export function createPasswordLink(services: Services, passwordLinks: PasswordLinks) {
  return async (req: Request, res: Response) => {
    const user = await loadUser(services, req);
    let link;
    try {
      link = await passwordLinks.create(user.id, actorOf(req));
    } catch (error) {
      if (!isFormError(error)) throw error;
      res.status(error.code === 'conflict' ? 409 : 400);
      // The message, for example that the user is suspended, names no field, so it is shown
      // above the forms.
      return renderUser(services, req, res, user, {
        errors: rejectedForm(services.logger, req, error, { labels: {} }),
      });
    }

    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.render('admin/user-password-link', {
      title: `Set-password link for ${user.username}`,
      section: 'users',
      subject: user,
      url: passwordLinkUrl(services.config.baseUrl, link.token),
      expiresAt: link.expiresAt.toISOString(),
      expiresAtText: `${link.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    });
  };
}
