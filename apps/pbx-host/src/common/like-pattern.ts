/** `%text%` for ILIKE with the pattern characters of `text` escaped, so user input matches literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
