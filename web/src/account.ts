/**
 * The page's sign-in state with `auth: "jwt"`: who is signed in and a Sign out button, or a Sign in
 * button, and the notice that says why detection needs it (or that the sign-in has ended, with the photos
 * kept for when the person is back).
 */
import type { OidcSession } from './auth.ts';
import { h } from './dom.ts';
import type { PhotoKeeper } from './photo-keeper.ts';

const TEXT = {
  signedOut: 'Sign in to find and compare faces: this deployment answers signed-in people only.',
  ended:
    'Your sign-in has ended. Sign in again: the photos you chose stay here and are sent once you are back.',
} as const;

export function mountAccount(
  container: HTMLElement,
  notice: HTMLElement,
  session: OidcSession,
  keeper: PhotoKeeper,
  onError: (message: string) => void,
): void {
  const who = h('span', { class: 'account-who' });
  const button = h('button', { type: 'button', class: 'button secondary' });
  container.replaceChildren(who, button);
  container.hidden = false;

  const render = () => {
    who.textContent = session.signedIn ? `Signed in${session.email ? ` as ${session.email}` : ''}` : '';
    button.textContent = session.signedIn ? 'Sign out' : 'Sign in';
    notice.textContent = session.signedIn ? '' : session.ended ? TEXT.ended : TEXT.signedOut;
    notice.hidden = session.signedIn;
  };

  button.addEventListener('click', () => {
    button.disabled = true;
    const leave = session.signedIn
      ? session.signOut()
      : keeper.save().then(() => session.signIn(location.hash));
    leave.catch((error: unknown) => {
      button.disabled = false;
      onError(
        `Could not reach the sign-in provider: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  });
  session.onChange(render);
  render();
}
