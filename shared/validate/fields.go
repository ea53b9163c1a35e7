package validate

// FieldError describes why one named input field is invalid. It is shaped
// for inclusion in a 422 response body.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

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
	fe := FieldError{Field: field, Code: CodeInvalid, Message: "Недопустимое значение"}
	if e, ok := AsError(err); ok {
		fe.Code, fe.Message = e.Code, e.Message
	}
	f.errs = append(f.errs, fe)
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
