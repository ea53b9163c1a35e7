package validate

import "github.com/kabinet/kabinet/shared/problem"

// FieldError describes why one named input field is invalid: a problem
// field, as a 422 response names it.
type FieldError = problem.Field

// Fields collects validation errors for several named fields so that a
// handler can report all of them at once. The zero value is ready to use.
//
//	var f validate.Fields
//	snils, err := validate.SNILS(req.SNILS)
//	f.Check("snils", err)
//	phone, err := validate.Phone(req.Phone)
//	f.Check("phone", err)
//	if !f.OK() {
//		// respond 422 with f.Errors()
//	}
type Fields struct {
	errs []FieldError
}

// Check records a FieldError for field if err is non-nil and does nothing
// otherwise. For a *Error (possibly wrapped) its Code and Message are used.
// Any other error is recorded with [CodeInvalid] and a generic Russian
// message; its text is deliberately not exposed, as it may contain internal
// details.
func (f *Fields) Check(field string, err error) {
	if err == nil {
		return
	}
	f.errs = append(f.errs, problem.FieldOf(field, err))
}

// Errors returns the recorded errors in the order they were recorded. The
// result is a copy and nil when there are none.
func (f *Fields) Errors() []FieldError {
	if len(f.errs) == 0 {
		return nil
	}
	return append([]FieldError(nil), f.errs...)
}

// OK reports whether no errors have been recorded.
func (f *Fields) OK() bool { return len(f.errs) == 0 }
