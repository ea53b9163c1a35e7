package inbox

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/shared/dynamo"
)

// Device is a registered push device.
type Device struct {
	ID          string    `json:"id"`
	Platform    string    `json:"platform"`
	EndpointARN string    `json:"-"`
	CreatedAt   time.Time `json:"createdAt"`
}

type deviceItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Kind        string `dynamodbav:"Kind"`
	ID          string `dynamodbav:"ID"`
	Platform    string `dynamodbav:"Platform"`
	EndpointARN string `dynamodbav:"EndpointARN"`
	CreatedAt   string `dynamodbav:"CreatedAt"`
}

// kindDevice is the Kind of a push device's record.
const kindDevice = "push-device"

// createDevice adds a device's record to tx; it must be new.
func createDevice(tx *dynamo.Tx, sub string, d Device) {
	k := dynamo.PushKey(sub, d.ID)
	tx.Create(deviceItem{PK: k.PK, SK: k.SK, Kind: kindDevice, ID: d.ID, Platform: d.Platform,
		EndpointARN: d.EndpointARN, CreatedAt: d.CreatedAt.UTC().Format(time.RFC3339)})
}

// Device returns one of the user's devices; another user's is NotFound.
func (s *Store) Device(ctx context.Context, sub, id string) (Device, error) {
	var it deviceItem
	if err := s.DB.Get(ctx, dynamo.PushKey(sub, id), "устройство", &it); err != nil {
		return Device{}, err
	}
	t, _ := time.Parse(time.RFC3339, it.CreatedAt)
	return Device{ID: it.ID, Platform: it.Platform, EndpointARN: it.EndpointARN, CreatedAt: t}, nil
}

// Devices lists a user's push devices.
func (s *Store) Devices(ctx context.Context, sub string) ([]Device, error) {
	return s.devices(ctx, sub)
}

func (s *Store) devices(ctx context.Context, sub string) ([]Device, error) {
	var items []deviceItem
	cursor := ""
	for {
		var page []deviceItem
		next, err := s.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.PushPrefix, Cursor: cursor}, &page)
		if err != nil {
			return nil, err
		}
		items = append(items, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	out := make([]Device, 0, len(items))
	for _, it := range items {
		t, _ := time.Parse(time.RFC3339, it.CreatedAt)
		out = append(out, Device{ID: it.ID, Platform: it.Platform, EndpointARN: it.EndpointARN, CreatedAt: t})
	}
	return out, nil
}
