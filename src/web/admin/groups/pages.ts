import type { Request, Response } from 'express';
import type { Group } from '../../../directory/service.ts';
import { SesameError } from '../../../errors.ts';
import type { Services } from '../../../services.ts';
import { actorOf } from '../access.ts';
import {
  rejectedForm,
  isFormError,
  listField,
  textField,
  type FieldErrors,
  type FormFields,
} from '../forms.ts';
import { setNotice, takeNotice } from '../notices.ts';

const groupFields: FormFields = {
  labels: { name: 'Group name', username: 'Username' },
  rules: [
    [/^(Invalid group name|Group name|Group ".*" already exists)/, 'name'],
    [/^User ".*" (not found|is not a member)/, 'username'],
  ],
};

/** `GET /admin/groups`: the groups with their member and application counts, and a create form. */
export function showGroups(services: Services) {
  return async (req: Request, res: Response) => {
    await renderGroups(services, req, res, '', {});
  };
}

async function renderGroups(
  services: Services,
  req: Request,
  res: Response,
  name: string,
  errors: FieldErrors,
) {
  const groups = await services.directory.listGroups();
  const rows = await Promise.all(
    groups.map(async (group) => ({
      ...group,
      members: (await services.directory.listMembers(group.id)).length,
      applications: (await services.applications.listForGroup(group.id)).length,
    })),
  );
  res.render('admin/groups', {
    title: 'User Groups',
    section: 'groups',
    groups: rows,
    name,
    errors,
    notice: takeNotice(req),
  });
}

/** `POST /admin/groups`: creates a group. */
export function createGroup(services: Services) {
  return async (req: Request, res: Response) => {
    const name = textField(req.body, 'name').trim();
    let group: Group;
    try {
      group = await services.directory.createGroup(name, actorOf(req));
    } catch (error) {
      if (!isFormError(error)) throw error;
      res.status(400);
      return renderGroups(
        services,
        req,
        res,
        name,
        rejectedForm(services.logger, req, error, groupFields),
      );
    }
    setNotice(req, `Group ${group.name} created.`);
    res.redirect(303, `/admin/groups/${group.id}`);
  };
}

function loadGroup(services: Services, req: Request): Promise<Group> {
  return services.directory.requireGroupById(String(req.params.id));
}

async function renderGroup(
  services: Services,
  req: Request,
  res: Response,
  group: Group,
  state: { name?: string; username?: string; errors?: FieldErrors } = {},
) {
  const [members, applications, bound] = await Promise.all([
    services.directory.listMembers(group.id),
    services.applications.list(),
    services.applications.listForGroup(group.id),
  ]);
  res.render('admin/group', {
    title: group.name,
    section: 'groups',
    group,
    members,
    applications,
    boundIds: new Set(bound.map((application) => application.id)),
    name: state.name ?? group.name,
    username: state.username ?? '',
    errors: state.errors ?? {},
    notice: takeNotice(req),
  });
}

/** `GET /admin/groups/:id`: rename, members and bound applications. */
export function showGroup(services: Services) {
  return async (req: Request, res: Response) => {
    await renderGroup(services, req, res, await loadGroup(services, req));
  };
}

/**
 * Runs a change to a group and redirects back with the notice made from its result. A
 * rejected value, or a username that matches no user, is shown next to its field with
 * status 400.
 */
async function changeGroup<Result>(
  services: Services,
  req: Request,
  res: Response,
  change: (group: Group) => Promise<Result>,
  notice: (result: Result) => string,
  typed: { name?: string; username?: string },
) {
  const group = await loadGroup(services, req);
  let result: Result;
  try {
    result = await change(group);
  } catch (error) {
    const missingUser = error instanceof SesameError && error.code === 'not_found';
    if (!isFormError(error) && !missingUser) throw error;
    res.status(400);
    return renderGroup(services, req, res, group, {
      ...typed,
      errors: rejectedForm(services.logger, req, error as SesameError, groupFields),
    });
  }
  setNotice(req, notice(result));
  res.redirect(303, `/admin/groups/${group.id}`);
}

/** `POST /admin/groups/:id/rename`. */
export function renameGroup(services: Services) {
  return (req: Request, res: Response) => {
    const name = textField(req.body, 'name').trim();
    return changeGroup(
      services,
      req,
      res,
      (group) => services.directory.renameGroup(group.id, name, actorOf(req)),
      () => `Group renamed to ${name}.`,
      { name },
    );
  };
}

/** `POST /admin/groups/:id/members`: adds the user named by username or email. */
export function addMember(services: Services) {
  return (req: Request, res: Response) => {
    const username = textField(req.body, 'username').trim();
    return changeGroup(
      services,
      req,
      res,
      async (group) => {
        const user = username ? await services.directory.findUser(username) : undefined;
        if (!user) throw new SesameError('not_found', `User "${username}" not found`);
        await services.directory.addMember(group.name, user.username, actorOf(req));
        return user.username;
      },
      (added) => `${added} added.`,
      { username },
    );
  };
}

/** `POST /admin/groups/:id/members/remove`. */
export function removeMember(services: Services) {
  return (req: Request, res: Response) => {
    const username = textField(req.body, 'username');
    return changeGroup(
      services,
      req,
      res,
      (group) => services.directory.removeMember(group.name, username, actorOf(req)),
      () => `${username} removed.`,
      {},
    );
  };
}

/** `POST /admin/groups/:id/applications`: binds exactly the ticked applications to the group. */
export function saveApplications(services: Services) {
  return (req: Request, res: Response) => {
    const ticked = new Set(listField(req.body, 'slugs'));
    return changeGroup(
      services,
      req,
      res,
      async (group) => {
        const by = actorOf(req);
        // Every ticked application must exist before anything changes.
        const chosen = await Promise.all(
          [...ticked].map((slug) => services.applications.require(slug)),
        );
        const bound = await services.applications.listForGroup(group.id);
        for (const application of chosen) {
          if (!bound.some((candidate) => candidate.id === application.id)) {
            await services.applications.bind(application.slug, group.id, group.name, by);
          }
        }
        for (const application of bound) {
          if (!ticked.has(application.slug)) {
            await services.applications.unbind(application.slug, group.id, by);
          }
        }
      },
      () => 'Applications saved.',
      {},
    );
  };
}

/** `GET /admin/groups/:id/delete`: the confirmation page. */
export function confirmGroupDeletion(services: Services) {
  return async (req: Request, res: Response) => {
    const group = await loadGroup(services, req);
    const [members, applications] = await Promise.all([
      services.directory.listMembers(group.id),
      services.applications.listForGroup(group.id),
    ]);
    res.render('admin/group-delete', {
      title: `Delete ${group.name}`,
      section: 'groups',
      group,
      members,
      applications,
    });
  };
}

/** `POST /admin/groups/:id/delete`: deletes the group with its memberships and bindings. */
export function deleteGroup(services: Services) {
  return async (req: Request, res: Response) => {
    const group = await loadGroup(services, req);
    await services.directory.deleteGroup(group.id, actorOf(req));
    setNotice(req, `Group ${group.name} deleted.`);
    res.redirect(303, '/admin/groups');
  };
}
