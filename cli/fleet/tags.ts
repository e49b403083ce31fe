/**
 * The tags minted keys carry (`keys.tags`), checked in the fleet file by the rule of the control server
 * that will get them, so a bad tag fails at validation instead of at mint time.
 *
 * - Tailscale: tailscale/tailscale tailcfg/tailcfg.go l.746-766 (CheckTag, @de9ec7ee2): "tag:", then a
 *   name whose first byte is an ASCII letter and whose bytes are all ASCII letters, digits or "-".
 * - headscale: juanfont/headscale hscontrol/grpcv1.go validateTag (l.398-409 @v0.26.1, l.418-429
 *   @v0.28.0, l.419-430 @v0.29.2), called by CreatePreAuthKey for each aclTag: "tag:" prefix, no space,
 *   and `strings.ToLower(tag) == tag`. Its v2 policy also wants a letter first (hscontrol/policy/v2/
 *   types.go l.554-571 @v0.29.2, Tag.Validate), so a tag the policy could own meets Tailscale's rule too.
 */

/** Tailscale's rule, which every tag must meet (on headscale as well). */
export const TAG = /^tag:[A-Za-z][A-Za-z0-9-]*$/;

export const TAG_RULE =
  'a tag is "tag:", a letter, then letters, digits or "-" (Tailscale\'s rule; headscale\'s adds lowercase), e.g. tag:demo';

/** Why `tag` cannot go on a key minted by this control server, or undefined. */
export function tagProblem(tag: string, headscale: boolean): string | undefined {
  if (!TAG.test(tag)) return `${JSON.stringify(tag)} is no tag: ${TAG_RULE}`;
  if (headscale && tag.toLowerCase() !== tag)
    return `${JSON.stringify(tag)} is not lowercase, and headscale refuses a key with such a tag: use ${JSON.stringify(tag.toLowerCase())}`;
  return undefined;
}
