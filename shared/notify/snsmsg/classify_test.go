package snsmsg

import (
	"errors"
	"testing"

	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/kabinet/kabinet/shared/notify"
)

func TestClassifySNSOutsideEndpoints(t *testing.T) {
	for _, cause := range []error{&snstypes.NotFoundException{}, &snstypes.EndpointDisabledException{}} {
		err := classifySNS("publish to topic", cause, false)
		if errors.Is(err, notify.ErrEndpointGone) || !errors.Is(err, notify.ErrPermanent) {
			t.Errorf("classifySNS(%T) outside an endpoint = %v, want permanent but not a gone endpoint", cause, err)
		}
	}
}

func TestClassifySNS(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantGone bool
		wantPerm bool
	}{
		{"endpoint disabled", &snstypes.EndpointDisabledException{}, true, true},
		{"not found inside an operation error", &smithy.OperationError{ServiceID: "SNS", Err: &snstypes.NotFoundException{}}, true, true},
		{"invalid parameter", &snstypes.InvalidParameterException{}, false, true},
		{"invalid parameter value", &snstypes.InvalidParameterValueException{}, false, true},
		{"throttled", &snstypes.ThrottledException{}, false, false},
		{"internal error", &snstypes.InternalErrorException{}, false, false},
		{"network failure", errors.New("connection reset"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classifySNS("send push", tt.err, true)
			if got := errors.Is(err, notify.ErrEndpointGone); got != tt.wantGone {
				t.Errorf("errors.Is(%v, notify.ErrEndpointGone) = %v, want %v", err, got, tt.wantGone)
			}
			if got := errors.Is(err, notify.ErrPermanent); got != tt.wantPerm {
				t.Errorf("errors.Is(%v, notify.ErrPermanent) = %v, want %v", err, got, tt.wantPerm)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("classifySNS() = %v, want it to wrap the cause", err)
			}
		})
	}
}
