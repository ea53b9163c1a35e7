package payments

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/validate"
)

// «Мои автомобили» and utility accounts: what a person adds so that the
// fines of a car and the bills of a flat find them. Only the plate is kept
// in the clear (it is on the car); the certificate and the account number
// are kept as their blind-index hash and a mask.

// MaxVehicles and MaxUtilityAccounts bound what one person adds.
const (
	MaxVehicles        = 10
	MaxUtilityAccounts = 10
)

// Vehicle is one of a person's vehicles.
type Vehicle struct {
	ID    string `json:"id"`
	Plate string `json:"plate"`
	// Certificate is the mask of the registration certificate (СТС).
	Certificate string    `json:"certificate"`
	Name        string    `json:"name,omitempty"`
	AddedAt     time.Time `json:"addedAt"`
	// Charges is how many charges were found for it when it was added.
	Charges int `json:"chargesFound"`
}

// VehicleInput is a vehicle as the person adds it.
type VehicleInput struct {
	Plate       string `json:"plate"`
	Certificate string `json:"certificate"`
	Name        string `json:"name"`
}

type vehicleItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Kind     string `dynamodbav:"Kind"`
	ID       string `dynamodbav:"ID"`
	Plate    string `dynamodbav:"Plate"`
	CertMask string `dynamodbav:"CertMask"`
	CertHash string `dynamodbav:"CertHash"`
	Name     string `dynamodbav:"Name,omitempty"`
	AddedAt  string `dynamodbav:"AddedAt"`
}

func (it vehicleItem) vehicle() Vehicle {
	return Vehicle{ID: it.ID, Plate: it.Plate, Certificate: it.CertMask, Name: it.Name, AddedAt: parseStamp(it.AddedAt)}
}

const (
	kindVehicle = "vehicle"
	kindUtility = "utility-account"
)

func newID() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func checkName(name string) (string, *problem.Field) {
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > 60 {
		return "", &problem.Field{Field: "name", Code: "name.length", Message: "Название — не длиннее 60 символов"}
	}
	return name, nil
}

// AddVehicle adds a vehicle by its plate and registration certificate and
// links the charges already posted for the certificate. Errors: Invalid,
// Conflict (the same certificate twice, more than MaxVehicles).
func (c *Charges) AddVehicle(ctx context.Context, a actor.Actor, in VehicleInput) (Vehicle, error) {
	sub, err := person(a)
	if err != nil {
		return Vehicle{}, err
	}
	var fields []problem.Field
	plate, ok := normalizePlate(in.Plate)
	if !ok {
		fields = append(fields, problem.Field{Field: "plate", Code: "vehicle.plate", Message: "Госномер в формате А123ВС77 или А123ВС777"})
	}
	cert, cerr := NormalizeDocumentNumber(in.Certificate)
	if cerr != nil {
		fields = append(fields, problem.FieldOf("certificate", cerr))
	}
	name, bad := checkName(in.Name)
	if bad != nil {
		fields = append(fields, *bad)
	}
	if len(fields) > 0 {
		return Vehicle{}, problem.Invalid(fields...)
	}
	ix, err := c.index(ctx)
	if err != nil {
		return Vehicle{}, err
	}
	hash := ix.Of(IDVehicleCert, cert)
	var have []vehicleItem
	if _, err := c.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.VehiclePrefix, Consistent: true}, &have); err != nil {
		return Vehicle{}, err
	}
	for _, v := range have {
		if v.CertHash == hash {
			return Vehicle{}, problem.Conflict("vehicle_exists", "Автомобиль с этим СТС уже добавлен")
		}
	}
	if len(have) >= MaxVehicles {
		return Vehicle{}, problem.Conflict("too_many_vehicles", "Можно добавить не больше 10 автомобилей")
	}
	id := newID()
	k := dynamo.VehicleKey(sub, id)
	it := vehicleItem{PK: k.PK, SK: k.SK, Kind: kindVehicle, ID: id, Plate: plate, CertMask: mask(IDVehicleCert, cert), CertHash: hash,
		Name: name, AddedAt: stamp(c.d.Clock.Now())}
	if err := c.d.DB.Create(ctx, it); err != nil {
		return Vehicle{}, err
	}
	v := it.vehicle()
	n, err := c.hold(ctx, sub, IDVehicleCert, hash, "vehicle:"+id)
	if err != nil {
		// The vehicle stays: its charges are linked when it is added again
		// or when an agency posts the next one.
		logging.From(ctx).Error("charges of a vehicle not all linked", "err", err)
	}
	v.Charges = n
	return v, nil
}

// Vehicles lists the person's vehicles.
func (c *Charges) Vehicles(ctx context.Context, a actor.Actor) ([]Vehicle, error) {
	sub, err := person(a)
	if err != nil {
		return nil, err
	}
	var items []vehicleItem
	if _, err := c.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.VehiclePrefix, Forward: true}, &items); err != nil {
		return nil, err
	}
	// In the order they were added (ids are random).
	slices.SortFunc(items, func(a, b vehicleItem) int { return strings.Compare(a.AddedAt+a.ID, b.AddedAt+b.ID) })
	out := make([]Vehicle, 0, len(items))
	for _, it := range items {
		out = append(out, it.vehicle())
	}
	return out, nil
}

// RemoveVehicle removes a vehicle; its unpaid charges leave the person's
// list unless they hold another identifier of them (paid ones stay, as
// history). NotFound for another person's vehicle.
func (c *Charges) RemoveVehicle(ctx context.Context, a actor.Actor, id string) error {
	sub, err := person(a)
	if err != nil {
		return err
	}
	var it vehicleItem
	if err := c.d.DB.Get(ctx, dynamo.VehicleKey(sub, id), "автомобиль", &it); err != nil {
		return err
	}
	if err := c.d.DB.Delete(ctx, dynamo.VehicleKey(sub, id)); err != nil {
		return err
	}
	return c.release(ctx, sub, IDVehicleCert, it.CertHash, "vehicle:"+id)
}

// UtilityAccountView is one of a person's utility accounts.
type UtilityAccountView struct {
	ID       string    `json:"id"`
	Provider string    `json:"provider"`
	Account  string    `json:"account"` // masked
	Name     string    `json:"name,omitempty"`
	AddedAt  time.Time `json:"addedAt"`
	Charges  int       `json:"chargesFound"`
}

// UtilityAccountInput is an account as the person adds it.
type UtilityAccountInput struct {
	UtilityAccount
	Name string `json:"name"`
}

type utilityItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Kind     string `dynamodbav:"Kind"`
	ID       string `dynamodbav:"ID"`
	Provider string `dynamodbav:"Provider"`
	Mask     string `dynamodbav:"Mask"`
	Hash     string `dynamodbav:"Hash"`
	// Account is the provider's own number of it, which its system reads
	// with the meter readings.
	Account string `dynamodbav:"Account"`
	Name    string `dynamodbav:"Name,omitempty"`
	AddedAt string `dynamodbav:"AddedAt"`
}

func (it utilityItem) view() UtilityAccountView {
	return UtilityAccountView{ID: it.ID, Provider: it.Provider, Account: it.Mask, Name: it.Name, AddedAt: parseStamp(it.AddedAt)}
}

// AddUtilityAccount adds an account with a utility provider and links the
// bills already posted for it. Errors: Invalid, Conflict (twice, too many).
func (c *Charges) AddUtilityAccount(ctx context.Context, a actor.Actor, in UtilityAccountInput) (UtilityAccountView, error) {
	sub, err := person(a)
	if err != nil {
		return UtilityAccountView{}, err
	}
	var fields []problem.Field
	norm, verr := in.normalized()
	if verr != nil {
		field := "account"
		if ve, ok := validate.AsError(verr); ok && ve.Code == "utility.provider" {
			field = "provider"
		}
		fields = append(fields, problem.FieldOf(field, verr))
	}
	name, bad := checkName(in.Name)
	if bad != nil {
		fields = append(fields, *bad)
	}
	if len(fields) > 0 {
		return UtilityAccountView{}, problem.Invalid(fields...)
	}
	ix, err := c.index(ctx)
	if err != nil {
		return UtilityAccountView{}, err
	}
	hash := ix.Of(IDUtility, norm)
	var have []utilityItem
	if _, err := c.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.UtilityAccountPrefix, Consistent: true}, &have); err != nil {
		return UtilityAccountView{}, err
	}
	for _, u := range have {
		if u.Hash == hash {
			return UtilityAccountView{}, problem.Conflict("utility_account_exists", "Этот лицевой счёт уже добавлен")
		}
	}
	if len(have) >= MaxUtilityAccounts {
		return UtilityAccountView{}, problem.Conflict("too_many_utility_accounts", "Можно добавить не больше 10 лицевых счетов")
	}
	provider, account, _ := strings.Cut(norm, ":")
	id := newID()
	k := dynamo.UtilityAccountKey(sub, id)
	it := utilityItem{PK: k.PK, SK: k.SK, Kind: kindUtility, ID: id, Provider: provider, Mask: mask(IDUtility, account), Hash: hash, Account: account,
		Name: name, AddedAt: stamp(c.d.Clock.Now())}
	if err := c.d.DB.Create(ctx, it); err != nil {
		return UtilityAccountView{}, err
	}
	v := it.view()
	n, err := c.hold(ctx, sub, IDUtility, hash, "utility:"+id)
	if err != nil {
		logging.From(ctx).Error("charges of a utility account not all linked", "err", err)
	}
	v.Charges = n
	return v, nil
}

// UtilityAccounts lists the person's utility accounts.
func (c *Charges) UtilityAccounts(ctx context.Context, a actor.Actor) ([]UtilityAccountView, error) {
	sub, err := person(a)
	if err != nil {
		return nil, err
	}
	var items []utilityItem
	if _, err := c.d.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.UtilityAccountPrefix, Forward: true}, &items); err != nil {
		return nil, err
	}
	slices.SortFunc(items, func(a, b utilityItem) int { return strings.Compare(a.AddedAt+a.ID, b.AddedAt+b.ID) })
	out := make([]UtilityAccountView, 0, len(items))
	for _, it := range items {
		out = append(out, it.view())
	}
	return out, nil
}

// RemoveUtilityAccount removes an account, as RemoveVehicle does a vehicle.
func (c *Charges) RemoveUtilityAccount(ctx context.Context, a actor.Actor, id string) error {
	sub, err := person(a)
	if err != nil {
		return err
	}
	var it utilityItem
	if err := c.d.DB.Get(ctx, dynamo.UtilityAccountKey(sub, id), "лицевой счёт", &it); err != nil {
		return err
	}
	if err := c.d.DB.Delete(ctx, dynamo.UtilityAccountKey(sub, id)); err != nil {
		return err
	}
	return c.release(ctx, sub, IDUtility, it.Hash, "utility:"+id)
}
