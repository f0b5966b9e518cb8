import type { User } from '../../../directory/service.ts';
import { checkboxField, textField, type FormFields } from '../forms.ts';

/** The profile fields of the user forms, as typed. */
export interface ProfileValues {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  displayName: string;
}

export const userFields: FormFields = {
  labels: {
    username: 'Username',
    email: 'Company email',
    firstName: 'First name',
    lastName: 'Last name',
    displayName: 'Display name',
    password: 'Password',
    passwordConfirmation: 'Password confirmation',
    isAdmin: 'Administrator',
  },
  rules: [
    [/^A user with username /, 'username'],
    [/^A user with email /, 'email'],
  ],
  aliases: { value: 'password' },
};

export function profileOf(user: User): ProfileValues {
  return {
    username: user.username,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    displayName: user.display_name,
  };
}

export function readProfile(body: unknown): ProfileValues {
  return {
    username: textField(body, 'username').trim(),
    email: textField(body, 'email').trim(),
    firstName: textField(body, 'firstName').trim(),
    lastName: textField(body, 'lastName').trim(),
    displayName: textField(body, 'displayName').trim(),
  };
}

/** The new-user form: the profile, an optional first password and the administrator box. */
export interface NewUserValues extends ProfileValues {
  password: string;
  isAdmin: boolean;
}

export function readNewUser(body: unknown): NewUserValues {
  return {
    ...readProfile(body),
    password: textField(body, 'password'),
    isAdmin: checkboxField(body, 'isAdmin'),
  };
}
