// Package httpapitest holds what the functions' handler tests share.
package httpapitest

import (
	"context"

	"github.com/kabinet/kabinet/shared/httpapi"
)

// AdmitAll is a session guard that admits every identity: handler tests
// exercise routing and input checks without a session store.
type AdmitAll struct{}

// Admit returns the identity unchanged.
func (AdmitAll) Admit(_ context.Context, id httpapi.Identity) (httpapi.Identity, error) {
	return id, nil
}
