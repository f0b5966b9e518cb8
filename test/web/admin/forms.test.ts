import { describe, expect, it } from 'vitest';
import { SesameError } from '../../../src/errors.ts';
import { fieldErrorsOf, type FormFields } from '../../../src/web/admin/forms.ts';
import { slugFromLabel } from '../../../src/web/admin/slug.ts';

const form: FormFields = {
  labels: { spEntityId: 'SP Entity ID', acsUrls: 'ACS URLs', attributes: 'Attributes' },
  rules: [[/already exists/, 'spEntityId']],
  itemNouns: { acsUrls: 'line', attributes: 'row' },
};

function invalid(message: string) {
  return new SesameError('input_invalid', message);
}

describe('form field errors', () => {
  it('places each problem on its field', () => {
    const errors = fieldErrorsOf(
      invalid(
        'Invalid input: spEntityId still contains YOUR_SUBDOMAIN; replace it with your workspace subdomain; acsUrls.1 Invalid URL "x": not an absolute URL; attributes.0.name is required',
      ),
      form,
    );
    expect(errors).toEqual({
      spEntityId:
        'SP Entity ID still contains YOUR_SUBDOMAIN; replace it with your workspace subdomain',
      acsUrls: 'Line 2: Invalid URL "x": not an absolute URL',
      attributes: 'Row 1: name is required',
    });
  });

  it('puts an unknown field above the form', () => {
    expect(fieldErrorsOf(invalid('Invalid input: color must be blue'), form)).toEqual({
      form: 'color must be blue',
    });
  });

  it('matches messages without a path by rule', () => {
    expect(fieldErrorsOf(new SesameError('conflict', 'It already exists'), form)).toEqual({
      spEntityId: 'It already exists',
    });
    expect(fieldErrorsOf(invalid('Something else failed'), form)).toEqual({
      form: 'Something else failed',
    });
  });
});

describe('slug from label', () => {
  const cases: Array<[string, string]> = [
    ['Databricks', 'databricks'],
    ['Team Wiki: Café', 'team-wiki-cafe'],
    ['  --Hello,  World!--  ', 'hello-world'],
    ['日本語', ''],
    ['a'.repeat(63) + ' b', 'a'.repeat(63)],
  ];
  for (const [label, slug] of cases) {
    it(`makes "${slug}" from "${label.slice(0, 20)}"`, () => {
      expect(slugFromLabel(label)).toBe(slug);
    });
  }
});
