// Package validate checks and normalizes Russian personal identifiers and
// contact details submitted to the portal: SNILS, INN, internal passport
// details, phone numbers, e-mail addresses, personal names and bank details
// (BIK and account number).
//
// Every validator has the shape
//
//	func X(s string) (normalized string, err error)
//
// On success the returned value is in a canonical form suitable for storage
// and comparison, and validating it again yields the same value. On failure
// the error is always a *Error carrying a stable machine-readable Code and a
// Russian message that can be shown to the user as is. Empty (or
// whitespace-only) input is reported with [CodeRequired].
//
// Only ASCII digits '0'–'9' are treated as digits; other Unicode decimal
// digits are rejected.
//
// Handlers that validate several fields at once collect the results with
// [Fields] and report every invalid field in a single response.
package validate
