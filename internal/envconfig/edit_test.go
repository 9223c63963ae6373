package envconfig

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const editBase = `# team config
default_env = "dev"   # the usual one

[env.dev]
region           = "eu-west-1"
user_pool_id     = "eu-west-1_AbC123xyz"   # pool "main"
client_id        = "4h5j6k7l8m9n0p1q2r3s4t5u6v"
identity_pool_id = "eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9"
scopes           = ["openid", "email"] # for login --browser

# production: ask before using
[env."prod.eu"]
region           = "eu-west-1"
user_pool_id     = "eu-west-1_Prod12345"
client_id        = "prodclient123"
identity_pool_id = "eu-west-1:11111111-2222-3333-4444-555555555555"
`

func TestApplyEdit(t *testing.T) {
	cases := []struct {
		name string
		in   string
		edit Edit
		want string
	}{
		{
			name: "change, add and remove keys; comments and the other env kept",
			in:   editBase,
			edit: Edit{Env: "dev", Set: map[string]string{"client_id": "newclient", "bucket": "my-bucket", "username": "alice"}, Unset: []string{"scopes"}},
			want: strings.Replace(strings.Replace(editBase,
				`client_id        = "4h5j6k7l8m9n0p1q2r3s4t5u6v"`, `client_id        = "newclient"`, 1),
				`scopes           = ["openid", "email"] # for login --browser`,
				"bucket           = \"my-bucket\"\nusername         = \"alice\"", 1),
		},
		{
			name: "a trailing comment after a value stays",
			in:   editBase,
			edit: Edit{Env: "dev", Set: map[string]string{"user_pool_id": "eu-west-1_New999"}},
			want: strings.Replace(editBase, `user_pool_id     = "eu-west-1_AbC123xyz"   # pool "main"`, `user_pool_id     = "eu-west-1_New999"   # pool "main"`, 1),
		},
		{
			name: "quoted env name; the comment before the next table is not the table's",
			in:   editBase,
			edit: Edit{Env: "prod.eu", Set: map[string]string{"redirect_port": "8976", "scopes": "openid, profile"}, Default: true},
			want: strings.Replace(editBase, `default_env = "dev"   # the usual one`, `default_env = "prod.eu"   # the usual one`, 1) +
				"redirect_port    = 8976\nscopes           = [\"openid\", \"profile\"]\n",
		},
		{
			name: "a new env is appended",
			in:   editBase,
			edit: Edit{Env: "test", Set: map[string]string{"identity_pool_id": "us-east-1:abc", "region": "us-east-1"}},
			want: editBase + "\n[env.test]\nregion           = \"us-east-1\"\nidentity_pool_id = \"us-east-1:abc\"\n",
		},
		{
			name: "an empty file gets default_env and the env",
			in:   "",
			edit: Edit{Env: "dev", Set: map[string]string{"region": "eu-west-1"}, Default: true},
			want: "default_env = \"dev\"\n\n[env.dev]\nregion           = \"eu-west-1\"\n",
		},
		{
			name: "default_env added before the first table",
			in:   "# c\n[env.a]\nregion = \"eu-west-1\"\n",
			edit: Edit{Env: "a", Set: map[string]string{"bucket": "bkt"}, Default: true},
			want: "# c\ndefault_env = \"a\"\n\n[env.a]\nregion = \"eu-west-1\"\nbucket           = \"bkt\"\n",
		},
		{
			name: "values that need escaping",
			in:   "",
			edit: Edit{Env: "x", Set: map[string]string{"username": `a"b\c`}},
			want: "[env.x]\nusername         = \"a\\\"b\\\\c\"\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ApplyEdit([]byte(c.in), c.edit)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
			vals, ok, err := EnvValues(got, c.edit.Env)
			if err != nil || !ok {
				t.Fatalf("EnvValues after the edit: %v, %v", ok, err)
			}
			for k, v := range c.edit.Set {
				if k == "scopes" {
					v = strings.ReplaceAll(v, " ", "")
					vals[k] = strings.ReplaceAll(vals[k], " ", "")
				}
				if vals[k] != v {
					t.Errorf("%s = %q after the edit; want %q", k, vals[k], v)
				}
			}
			for _, k := range c.edit.Unset {
				if _, ok := vals[k]; ok {
					t.Errorf("%s still set", k)
				}
			}
			// Every other env reads back unchanged.
			before, _, _ := EnvValues([]byte(c.in), "prod.eu")
			after, _, _ := EnvValues(got, "prod.eu")
			if c.edit.Env != "prod.eu" && !reflect.DeepEqual(before, after) {
				t.Errorf("prod.eu changed: %v -> %v", before, after)
			}
		})
	}
}

func TestApplyEditRefuses(t *testing.T) {
	cases := []struct {
		in   string
		edit Edit
		want string
	}{
		{editBase, Edit{Env: "dev", Set: map[string]string{"colour": "x"}}, "unknown key"},
		{editBase, Edit{Env: "dev", Unset: []string{"colour"}}, "unknown key"},
		{editBase, Edit{Env: "dev", Set: map[string]string{"redirect_port": "eighty"}}, "not a port number"},
		{"[env]\ndev.region = \"eu-west-1\"\n", Edit{Env: "dev", Set: map[string]string{"bucket": "b"}}, "edit it by hand"},
		{"env = { dev = { region = \"eu-west-1\" } }\n", Edit{Env: "dev", Set: map[string]string{"bucket": "b"}}, "edit it by hand"},
		{"[env.dev]\nscopes = [\n  \"openid\",\n]\n", Edit{Env: "dev", Set: map[string]string{"scopes": "email"}}, "continues on the next lines"},
		{"[env.dev]\nregion = \"\"\"\neu-west-1\"\"\"\n", Edit{Env: "dev", Unset: []string{"region"}}, "continues on the next lines"},
		{"not toml [", Edit{Env: "dev", Set: map[string]string{"bucket": "b"}}, ""},
		{"", Edit{Env: "dev"}, "nothing to write"},
	}
	for _, c := range cases {
		_, err := ApplyEdit([]byte(c.in), c.edit)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ApplyEdit(%q, %+v) = %v; want an error containing %q", c.in, c.edit, err, c.want)
		}
		if strings.Contains(c.want, "by hand") || strings.Contains(c.want, "next lines") {
			if !errors.Is(err, ErrEditByHand) {
				t.Errorf("%q: %v does not wrap ErrEditByHand", c.in, err)
			}
		}
	}
}

// FuzzApplyEdit: any edit of any TOML document either fails or gives a
// document that still parses, with the edit made.
func FuzzApplyEdit(f *testing.F) {
	f.Add(editBase, "dev", "bucket", "b1")
	f.Add(editBase, "prod.eu", "scopes", "openid,email")
	f.Add("[env.a]\nregion = 'x' # c\n", "a", "region", "y")
	f.Add("", "n", "redirect_port", "1")
	f.Fuzz(func(t *testing.T, doc, env, key, value string) {
		if _, _, err := EnvValues([]byte(doc), env); err != nil {
			return
		}
		if !known(key) || strings.ContainsAny(value, "\x00") {
			return
		}
		out, err := ApplyEdit([]byte(doc), Edit{Env: env, Set: map[string]string{key: value}, Default: true})
		if err != nil {
			return
		}
		vals, ok, err := EnvValues(out, env)
		if err != nil || !ok {
			t.Fatalf("edited document does not parse or lost env %q (%v):\n%s", env, err, out)
		}
		if key != "scopes" && key != "redirect_port" && vals[key] != value {
			t.Fatalf("%s = %q after the edit; want %q:\n%s", key, vals[key], value, out)
		}
	})
}
