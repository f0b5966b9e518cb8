import type { Request, Response } from 'express';
import type { User } from '../../../directory/service.ts';
import type { Services } from '../../../services.ts';
import { actorOf } from '../access.ts';
import { rejectedForm, isFormError, renderInvalid, type FieldErrors } from '../forms.ts';
import { setNotice, takeNotice } from '../notices.ts';
import {
  profileOf,
  readNewUser,
  readProfile,
  userFields,
  type NewUserValues,
  type ProfileValues,
} from './form.ts';

/** `GET /admin/users?q=`: the users, searched by username, email or name. */
export function showUsers(services: Services) {
  return async (req: Request, res: Response) => {
    const query = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
    const users = await services.directory.listUsers(query);
    res.render('admin/users', {
      title: 'Users',
      section: 'users',
      users,
      query,
      notice: takeNotice(req),
    });
  };
}

const blankUser: NewUserValues = {
  username: '',
  email: '',
  firstName: '',
  lastName: '',
  displayName: '',
  password: '',
  isAdmin: false,
};

const newUserLocals = (values: NewUserValues) => ({
  title: 'New user',
  section: 'users',
  values,
  errors: {},
});

/** `GET /admin/users/new`. */
export function showNewUser(_req: Request, res: Response): void {
  res.render('admin/user-new', newUserLocals(blankUser));
}

/** `POST /admin/users/new`: creates a user, with a password only when one is given. */
export function createUser(services: Services) {
  return async (req: Request, res: Response) => {
    const values = readNewUser(req.body);
    let user: User;
    try {
      user = await services.directory.createUser(
        { ...values, password: values.password || undefined },
        actorOf(req),
      );
    } catch (error) {
      if (!isFormError(error)) throw error;
      const withoutPassword = { ...values, password: '' };
      return renderInvalid(
        res,
        'admin/user-new',
        newUserLocals(withoutPassword),
        rejectedForm(services.logger, req, error, userFields),
      );
    }
    setNotice(req, `User ${user.username} created.`);
    res.redirect(303, `/admin/users/${user.id}`);
  };
}

/** Loads the user named by the `:id` route parameter, or throws `not_found`. */
export function loadUser(services: Services, req: Request): Promise<User> {
  return services.directory.requireUserById(String(req.params.id));
}

/** Renders the user page; `profile` and `errors` show a rejected form as it was typed. */
export async function renderUser(
  services: Services,
  req: Request,
  res: Response,
  user: User,
  state: { profile?: ProfileValues; errors?: FieldErrors } = {},
): Promise<void> {
  const groups = await services.directory.listGroupsOfUser(user.id);
  res.render('admin/user', {
    title: user.username,
    section: 'users',
    subject: user,
    groups,
    profile: state.profile ?? profileOf(user),
    errors: state.errors ?? {},
    notice: takeNotice(req),
  });
}

/** `GET /admin/users/:id`. */
export function showUser(services: Services) {
  return async (req: Request, res: Response) => {
    await renderUser(services, req, res, await loadUser(services, req));
  };
}

/** `POST /admin/users/:id`: saves the profile; username and email stay unique. */
export function saveProfile(services: Services) {
  return async (req: Request, res: Response) => {
    const user = await loadUser(services, req);
    const profile = readProfile(req.body);
    try {
      await services.directory.updateUser(user.id, profile, actorOf(req));
    } catch (error) {
      if (!isFormError(error)) throw error;
      res.status(400);
      return renderUser(services, req, res, user, {
        profile,
        errors: rejectedForm(services.logger, req, error, userFields),
      });
    }
    setNotice(req, `Profile saved.${await identityWarning(services, user, profile)}`);
    res.redirect(303, `/admin/users/${user.id}`);
  };
}

/**
 * Warns that Databricks keeps a provisioned user's old userName and email, because it ignores
 * changes to them over SCIM. A change of case only is not warned about, because Databricks
 * compares both without regard to case.
 */
async function identityWarning(
  services: Services,
  before: User,
  after: ProfileValues,
): Promise<string> {
  const changed =
    before.username.toLowerCase() !== after.username.toLowerCase() ||
    before.email.toLowerCase() !== after.email.toLowerCase();
  if (!changed) return '';
  const applications = await services.provisioning.provisionedApplications(before.id);
  if (applications.length === 0) return '';
  const slugs = applications.map((application) => application.slug).join(', ');
  return ` Databricks keeps the old userName and email of this user in ${slugs}, because it ignores changes to them over SCIM.`;
}
