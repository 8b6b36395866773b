/** Name of the sign-in passport strategy: hosts protect their own callback routes with `AuthGuard('microsoft365')`. */
export const MICROSOFT365_STRATEGY = 'microsoft365';
