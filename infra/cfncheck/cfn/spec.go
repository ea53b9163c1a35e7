// Package cfn checks a CloudFormation (and SAM) template against the
// CloudFormation resource specification: resource types, properties, required
// properties, value types, references and where intrinsic functions may
// stand. No CloudFormation linter installs from the registries we may use
// (sam validate and cfn-lint are Python), so this one reads the specification
// the AWS CDK ships on npm: @aws-cdk/aws-service-spec, pinned in
// infra/package-lock.json.
//
// That package's AWS::Serverless types come from SAM's old hand-written
// specification and lag behind SAM; sam.go corrects what it lacks, each
// correction with the SAM property it stands for.
package cfn

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SpecPackage is the npm package the specification comes from, under
// infra/node_modules.
const SpecPackage = "@aws-cdk/aws-service-spec"

// Kind is the kind of a value the specification asks for.
type Kind uint8

// The kinds of value.
const (
	KString Kind = iota
	KInteger
	KNumber
	KBoolean
	KDateTime
	KJSON // anything: a policy document, an API definition
	KTag  // {Key, Value}, both strings
	KList
	KMap
	KObject
	KUnion
)

var kindNames = [...]string{"a string", "an integer", "a number", "a boolean", "a date-time string", "JSON",
	"a tag ({Key, Value})", "a list", "a map", "an object", "one of several types"}

func (k Kind) String() string { return kindNames[k] }

// Type is the type of a property's value.
type Type struct {
	Kind   Kind
	Elem   *Type   // KList, KMap
	Object *Object // KObject
	Union  []*Type // KUnion
	Enum   []string
}

// Describe names the type for a message: "a string", "a list of Tag", ...
func (t *Type) Describe() string {
	switch t.Kind {
	case KList, KMap:
		return t.Kind.String() + " of " + strings.TrimPrefix(strings.TrimPrefix(t.Elem.Describe(), "a "), "an ")
	case KObject:
		return t.Object.Name
	case KUnion:
		var parts []string
		for _, u := range t.Union {
			parts = append(parts, u.Describe())
		}
		return strings.Join(parts, " or ")
	}
	return t.Kind.String()
}

// Property is one property of a resource or of an object type.
type Property struct {
	Type     *Type
	Previous []*Type // earlier types the specification still accepts
	Required bool
}

// Object is a property type: a set of named properties.
type Object struct {
	Name  string
	Props map[string]*Property
}

// Resource is one resource type.
type Resource struct {
	Name  string
	Props map[string]*Property
	// Attrs are the Fn::GetAtt attribute names.
	Attrs map[string]*Type
	// Objects are the property types the resource uses, by name (SAM's event
	// sources are found here).
	Objects map[string]*Object
}

// Spec is the resource specification.
type Spec struct {
	Source    string // package and version, for messages
	Resources map[string]*Resource
}

// DefaultSpecPath is where make deps puts the specification.
func DefaultSpecPath(root string) string {
	return filepath.Join(root, "infra", "node_modules", filepath.FromSlash(SpecPackage), "db.json.gz")
}

type dbType struct {
	Type      string    `json:"type"`
	Element   *dbType   `json:"element"`
	Types     []*dbType `json:"types"`
	Reference *struct {
		Ref string `json:"$ref"`
	} `json:"reference"`
	AllowedValues []json.RawMessage `json:"allowedValues"`
}

type dbProp struct {
	Type          *dbType   `json:"type"`
	PreviousTypes []*dbType `json:"previousTypes"`
	Required      bool      `json:"required"`
}

type db struct {
	Schema struct {
		Resource struct {
			Entities []struct {
				ID         string             `json:"$id"`
				Type       string             `json:"cloudFormationType"`
				Properties map[string]*dbProp `json:"properties"`
				Attributes map[string]*dbProp `json:"attributes"`
			} `json:"entities"`
		} `json:"resource"`
		TypeDefinition struct {
			Entities []struct {
				ID         string             `json:"$id"`
				Name       string             `json:"name"`
				Properties map[string]*dbProp `json:"properties"`
			} `json:"entities"`
		} `json:"typeDefinition"`
		UsesType struct {
			Forward map[string][]struct {
				ID string `json:"$id"`
			} `json:"forward"`
		} `json:"usesType"`
	} `json:"schema"`
}

// LoadSpec reads the specification database of @aws-cdk/aws-service-spec
// (db.json.gz) and applies the SAM corrections.
func LoadSpec(path string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var d db
	if err := json.NewDecoder(zr).Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	spec := &Spec{Source: SpecPackage + " " + packageVersion(filepath.Dir(path)), Resources: map[string]*Resource{}}
	objects := map[string]*Object{}
	for _, e := range d.Schema.TypeDefinition.Entities {
		objects[e.ID] = &Object{Name: e.Name, Props: map[string]*Property{}}
	}
	conv := func(t *dbType) (*Type, error) { return convertType(t, objects) }
	props := func(in map[string]*dbProp, out map[string]*Property) error {
		for name, p := range in {
			t, err := conv(p.Type)
			if err != nil {
				return fmt.Errorf("property %s: %w", name, err)
			}
			prop := &Property{Type: t, Required: p.Required}
			for _, pt := range p.PreviousTypes {
				if t, err := conv(pt); err == nil {
					prop.Previous = append(prop.Previous, t)
				}
			}
			out[name] = prop
		}
		return nil
	}
	for _, e := range d.Schema.TypeDefinition.Entities {
		if err := props(e.Properties, objects[e.ID].Props); err != nil {
			return nil, fmt.Errorf("%s: type %s: %w", path, e.Name, err)
		}
	}
	for _, e := range d.Schema.Resource.Entities {
		r := &Resource{Name: e.Type, Props: map[string]*Property{}, Attrs: map[string]*Type{}, Objects: map[string]*Object{}}
		if err := props(e.Properties, r.Props); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, e.Type, err)
		}
		for name, a := range e.Attributes {
			t, err := conv(a.Type)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: attribute %s: %w", path, e.Type, name, err)
			}
			r.Attrs[name] = t
		}
		for _, u := range d.Schema.UsesType.Forward[e.ID] {
			if o := objects[u.ID]; o != nil {
				r.Objects[o.Name] = o
			}
		}
		spec.Resources[e.Type] = r
	}
	if len(spec.Resources) == 0 {
		return nil, fmt.Errorf("%s: no resource types", path)
	}
	if err := correctSAM(spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return spec, nil
}

func convertType(t *dbType, objects map[string]*Object) (*Type, error) {
	if t == nil {
		return nil, fmt.Errorf("no type")
	}
	var out *Type
	switch t.Type {
	case "string":
		out = &Type{Kind: KString}
	case "integer":
		out = &Type{Kind: KInteger}
	case "number":
		out = &Type{Kind: KNumber}
	case "boolean":
		out = &Type{Kind: KBoolean}
	case "date-time":
		out = &Type{Kind: KDateTime}
	case "json", "null":
		out = &Type{Kind: KJSON}
	case "tag":
		out = &Type{Kind: KTag}
	case "array", "map":
		elem, err := convertType(t.Element, objects)
		if err != nil {
			return nil, err
		}
		out = &Type{Kind: KList, Elem: elem}
		if t.Type == "map" {
			out.Kind = KMap
		}
	case "ref":
		if t.Reference == nil || objects[t.Reference.Ref] == nil {
			return nil, fmt.Errorf("reference to an unknown type")
		}
		out = &Type{Kind: KObject, Object: objects[t.Reference.Ref]}
	case "union":
		out = &Type{Kind: KUnion}
		for _, u := range t.Types {
			ut, err := convertType(u, objects)
			if err != nil {
				return nil, err
			}
			out.Union = append(out.Union, ut)
		}
	default:
		return nil, fmt.Errorf("unknown type %q", t.Type)
	}
	for _, v := range t.AllowedValues {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		out.Enum = append(out.Enum, s)
	}
	return out, nil
}

func packageVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return "(version unknown)"
	}
	var p struct{ Version string }
	if json.Unmarshal(b, &p) != nil || p.Version == "" {
		return "(version unknown)"
	}
	return p.Version
}
