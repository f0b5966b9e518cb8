import { describe, expect, it } from 'vitest';
import { urn } from './constants.ts';
import { errorOf, setUp } from './harness.ts';

const applicationId = '5e0c9a3e-7d2b-4f1f-9f3a-3b8d2c1e0a11';
const newPrincipal = { schemas: [urn.servicePrincipal], applicationId, displayName: 'etl' };

describe('Databricks SCIM emulator: service principals', () => {
  it('creates a service principal and generates applicationId when none is sent', async () => {
    const api = setUp();
    const given = await api.post('/ServicePrincipals', newPrincipal);
    const generated = await api.post('/ServicePrincipals', {
      schemas: [urn.servicePrincipal],
      displayName: 'ci',
    });

    expect(given.status).toBe(201);
    expect(given.body).toEqual({
      schemas: [urn.servicePrincipal],
      id: expect.stringMatching(/^\d+$/),
      applicationId,
      displayName: 'etl',
      active: true,
    });
    expect(generated.body.applicationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a duplicate applicationId with 409', async () => {
    const api = setUp();
    await api.post('/ServicePrincipals', newPrincipal);
    const res = await api.post('/ServicePrincipals', newPrincipal);

    expect(res.status).toBe(409);
    expect(res.body).toEqual(
      errorOf(409, `Service principal with application ID ${applicationId} already exists.`),
    );
  });

  it('deactivates on PATCH and deletes with 204, dropping group memberships', async () => {
    const api = setUp();
    const { body: principal } = await api.post('/ServicePrincipals', newPrincipal);
    const group = api.scim.state.addGroup({ displayName: 'g', members: [{ value: principal.id }] });

    const patched = await api.patch(`/ServicePrincipals/${principal.id}`, [
      { op: 'replace', path: 'active', value: 'false' },
    ]);
    expect(patched.body.active).toBe(false);

    expect((await api.delete(`/ServicePrincipals/${principal.id}`)).status).toBe(204);
    expect((await api.get(`/ServicePrincipals/${principal.id}`)).status).toBe(404);
    expect(api.scim.state.groups.get(group.id)?.members).toEqual([]);
  });
});
