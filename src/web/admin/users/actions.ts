import type { Request, Response } from 'express';
import type { User } from '../../../directory/service.ts';
import { SesameError } from '../../../errors.ts';
import type { Services } from '../../../services.ts';
import { actorOf } from '../access.ts';
import { rejectedForm, formLevel, isFormError, textField } from '../forms.ts';
import { setNotice } from '../notices.ts';
import { loadUser, renderUser } from './pages.ts';
import { userFields } from './form.ts';

/**
 * Runs a change to a user and redirects back to the user page with `notice`. A change the
 * directory rejects, such as suspending the last active administrator, shows its message on the
 * user page with the status the directory gave it (409 for that guard).
 */
async function changeUser(
  services: Services,
  req: Request,
  res: Response,
  change: (user: User) => Promise<unknown>,
  notice: string,
): Promise<void> {
  const user = await loadUser(services, req);
  try {
    await change(user);
  } catch (error) {
    if (!isFormError(error)) throw error;
    res.status(error.code === 'conflict' ? 409 : 400);
    return renderUser(services, req, res, user, {
      errors: rejectedForm(services.logger, req, error, userFields),
    });
  }
  setNotice(req, notice);
  res.redirect(303, `/admin/users/${user.id}`);
}

/** `POST /admin/users/:id/password`: sets a new password, typed twice. */
export function setPassword(services: Services) {
  return async (req: Request, res: Response) => {
    const password = textField(req.body, 'password');
    const confirmation = textField(req.body, 'passwordConfirmation');
    await changeUser(
      services,
      req,
      res,
      async (user) => {
        if (password !== confirmation) {
          throw new SesameError(
            'input_invalid',
            'Invalid input: passwordConfirmation does not match the password',
          );
        }
        await services.directory.setPassword(user.username, password, actorOf(req));
      },
      'Password set.',
    );
  };
}

/** `POST /admin/users/:id/suspend` and `…/activate`. Suspension ends the user's sessions. */
export function setStatus(services: Services, status: 'active' | 'suspended') {
  return (req: Request, res: Response) =>
    changeUser(
      services,
      req,
      res,
      (user) => services.directory.setStatusById(user.id, status, actorOf(req)),
      status === 'suspended' ? 'User suspended; their sessions have ended.' : 'User activated.',
    );
}

/** `POST /admin/users/:id/admin`: grants (`isAdmin=1`) or removes administrator rights. */
export function setAdmin(services: Services) {
  return (req: Request, res: Response) => {
    const isAdmin = textField(req.body, 'isAdmin') === '1';
    return changeUser(
      services,
      req,
      res,
      (user) => services.directory.setAdmin(user.id, isAdmin, actorOf(req)),
      isAdmin ? 'User is now an administrator.' : 'User is no longer an administrator.',
    );
  };
}

/**
 * Lists what deleting the user does in the applications that provision them: deleted in the
 * SP where the integration deletes, deactivated where it only deactivates.
 */
async function deletionLocals(services: Services, user: User) {
  const applications = await services.provisioning.provisionedApplications(user.id);
  const slugsWith = (mode: 'delete' | 'deactivate') =>
    applications
      .filter((application) => application.deprovision === mode)
      .map((application) => application.slug);
  return {
    title: `Delete ${user.username}`,
    section: 'users',
    subject: user,
    deletedIn: slugsWith('delete'),
    deactivatedIn: slugsWith('deactivate'),
  };
}

/** `GET /admin/users/:id/delete`: the confirmation page, with the consequences in Databricks. */
export function confirmUserDeletion(services: Services) {
  return async (req: Request, res: Response) => {
    const user = await loadUser(services, req);
    res.render('admin/user-delete', { ...(await deletionLocals(services, user)), errors: {} });
  };
}

/** `POST /admin/users/:id/delete`: deletes the user with their memberships, sessions and keys. */
export function deleteUser(services: Services) {
  return async (req: Request, res: Response) => {
    const user = await loadUser(services, req);
    try {
      await services.directory.deleteUser(user.id, actorOf(req));
    } catch (error) {
      if (!isFormError(error)) throw error;
      return res.status(error.code === 'conflict' ? 409 : 400).render('admin/user-delete', {
        ...(await deletionLocals(services, user)),
        errors: { [formLevel]: error.message },
      });
    }
    setNotice(req, `User ${user.username} deleted.`);
    res.redirect(303, '/admin/users');
  };
}
