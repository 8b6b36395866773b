/** The Microsoft clouds a tenant can live in. Tokens and endpoints are not interchangeable between them. */
export enum Microsoft365Cloud {
  Global = 'GLOBAL',
  /** US Government L4 (GCC High). */
  UsGov = 'USGOV',
  /** US Government L5 (DoD). */
  UsGovDod = 'USGOV_DOD',
  /** China, operated by 21Vianet. */
  China = 'CHINA',
}
