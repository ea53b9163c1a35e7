// Package password is the portal's password policy: which passwords a user
// may set, how they are hashed and when they expire.
//
// A [Profile] holds the tunable rules. Two are built in and chosen by
// configuration through [ByName]: [Seeds], the portal's own requirements
// (section 4.2), and [NIST], after NIST SP 800-63B. [Profile.Check] returns
// every broken rule at once as a [Violation] with a stable code (the Rule
// constants) and a Russian message; [Describe] lists a profile's
// requirements in Russian for the UI.
//
// Every profile, whatever its fields say, also rejects:
//   - invalid UTF-8 ([RuleEncoding], reported alone);
//   - white space, control and invisible format characters
//     ([RuleWhitespace]);
//   - passwords on the embedded blocklist of common passwords, compared
//     ignoring case and "ё"/"е", also after stripping leading and trailing
//     digits and symbols, undoing look-alike substitutions and switching
//     keyboard layout, and passwords that are a mere repetition or keyboard
//     walk ([RuleCommon]).
//
// Characters, not bytes, are counted: "Ёлка-Зелёная-7" has 14. Letters of
// any script count as upper or lower case by [unicode.IsUpper] and
// [unicode.IsLower], so Cyrillic "Ж" is an upper-case letter and "ж" a
// lower-case one; letters without case (Chinese, Arabic) count as neither.
// Digits are [unicode.IsDigit]; everything else that is printable and not a
// combining mark is a special character. Text is not Unicode-normalized.
//
// Nothing is truncated: the full string is checked and hashed. Hashes are
// Argon2id in the PHC string format ([HashPassword], [Hash.Matches]).
package password
