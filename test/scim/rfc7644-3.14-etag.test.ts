import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createGroup,
  createUser,
  patchUrn,
  startScim,
  userBody,
  type ScimTest,
} from './support.ts';

let scim: ScimTest;
beforeEach(async () => {
  scim = await startScim();
});
afterEach(() => scim.close());

const rename = (value: string) => ({
  schemas: [patchUrn],
  Operations: [{ op: 'replace', path: 'displayName', value }],
});

describe('ETags', () => {
  it('sends meta.version as the ETag of GET, POST, PUT and PATCH', async () => {
    const created = await scim.call('post', '/Users', userBody('ann')).expect(201);
    expect(created.headers.etag).toMatch(/^W\/"[\w-]{27}"$/);
    expect(created.headers.etag).toBe(created.body.meta.version);

    const read = await scim.call('get', `/Users/${created.body.id}`).expect(200);
    expect(read.headers.etag).toBe(created.headers.etag);

    const put = await scim
      .call('put', `/Users/${created.body.id}`, userBody('ann', { displayName: 'Ann' }))
      .expect(200);
    expect(put.headers.etag).toBe(put.body.meta.version);
    expect(put.headers.etag).not.toBe(created.headers.etag);

    const patched = await scim.call('patch', `/Users/${created.body.id}`, rename('A')).expect(200);
    expect(patched.headers.etag).toBe(patched.body.meta.version);
    expect(patched.headers.etag).not.toBe(put.headers.etag);
  });

  it('changes a user version when their groups change', async () => {
    const ann = await createUser(scim, 'ann');
    await createGroup(scim, 'Sales', [ann.id]);
    const read = await scim.call('get', `/Users/${ann.id}`).expect(200);
    expect(read.headers.etag).not.toBe(ann.meta.version);
  });

  it('answers 304 for a matching If-None-Match', async () => {
    const ann = await createUser(scim, 'ann');
    const same = await scim
      .call('get', `/Users/${ann.id}`, undefined, { 'If-None-Match': ann.meta.version })
      .expect(304);
    expect(same.headers.etag).toBe(ann.meta.version);
    expect(same.text).toBe('');

    await scim
      .call('get', `/Users/${ann.id}`, undefined, { 'If-None-Match': 'W/"older"' })
      .expect(200);
  });

  it('applies a change whose If-Match matches', async () => {
    const group = await createGroup(scim, 'Sales');
    await scim
      .call('patch', `/Groups/${group.id}`, rename('Sales EMEA'), {
        'If-Match': group.meta.version,
      })
      .expect(200);
    // The strong form of the same tag matches too, because the comparison is weak.
    const current = await scim.call('get', `/Groups/${group.id}`).expect(200);
    await scim
      .call('patch', `/Groups/${group.id}`, rename('Sales APAC'), {
        'If-Match': `"other", ${current.headers.etag.slice(2)}`,
      })
      .expect(200);
    await scim
      .call('patch', `/Groups/${group.id}`, rename('Sales LATAM'), { 'If-Match': '*' })
      .expect(200);
  });

  it('rejects a stale If-Match with 412 and changes nothing', async () => {
    const ann = await createUser(scim, 'ann');
    await scim.call('patch', `/Users/${ann.id}`, rename('First')).expect(200);

    const stale = await scim
      .call('patch', `/Users/${ann.id}`, rename('Second'), { 'If-Match': ann.meta.version })
      .expect(412);
    expect(stale.body.status).toBe('412');
    expect(stale.body.detail).toMatch(/^If-Match does not match the current version W\/"/);
    expect((await scim.sesame.services.directory.requireUserById(ann.id)).display_name).toBe(
      'First',
    );

    await scim
      .call('put', `/Users/${ann.id}`, userBody('ann'), { 'If-Match': ann.meta.version })
      .expect(412);
    await scim
      .call('delete', `/Users/${ann.id}`, undefined, { 'If-Match': ann.meta.version })
      .expect(412);
    expect(await scim.sesame.services.directory.getUser(ann.id)).toBeDefined();
  });

  it('lets only one of two changes from the same version through', async () => {
    const group = await createGroup(scim, 'Sales');
    const headers = { 'If-Match': group.meta.version };
    const results = await Promise.all([
      scim.call('patch', `/Groups/${group.id}`, rename('One'), headers),
      scim.call('patch', `/Groups/${group.id}`, rename('Two'), headers),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 412]);
  });
});
