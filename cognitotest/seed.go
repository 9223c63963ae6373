package cognitotest

import (
	"fmt"
	"time"
)

// Demo is what SeedDemo created: everything a client needs to sign in and
// list the bucket.
type Demo struct {
	Region         string
	UserPoolID     string
	ClientID       string
	ClientSecret   string // empty unless DemoOptions.ClientSecret
	IdentityPoolID string
	RoleARN        string
	// GuestRoleARN is the identity pool's unauthenticated role, set when
	// DemoOptions.AllowGuests.
	GuestRoleARN string
	Bucket       string
	Username     string
	Password     string
	Objects      []string
}

// DemoOptions tune SeedDemo. The zero value seeds the standard demo.
type DemoOptions struct {
	// Username and Password of the seeded user. Default "alice" and
	// "Correct-Horse-7".
	Username, Password string
	// ClientSecret gives the app client a secret.
	ClientSecret bool
	// Temporary leaves the user with a temporary password (first sign-in
	// gets NEW_PASSWORD_REQUIRED).
	Temporary bool
	// Email sets the user's email attribute. Default "<username>@example.com".
	Email string
	// RoleMaxSession is the role's maximum session duration. Default 12h.
	RoleMaxSession time.Duration
	// Pool configures the user pool (MFA, devices, first factors...);
	// its Name defaults to "demo-pool".
	Pool UserPoolConfig
	// Phone sets the user's phone_number attribute (for SMS MFA).
	Phone string
	// ExtraFlows are app client auth flows beyond SRP, password and
	// refresh (for example "ALLOW_USER_AUTH", "ALLOW_CUSTOM_AUTH").
	ExtraFlows []string
	// RefreshTokenRotation and RotationGracePeriod configure the app
	// client's refresh-token rotation.
	RefreshTokenRotation bool
	RotationGracePeriod  time.Duration
	// CallbackURLs registers hosted UI callback URLs on the app client
	// (for example "http://localhost:8976/callback"), which enables the
	// authorization code flow with the default scopes.
	CallbackURLs []string
	// OpenIDProviders are external providers the identity pool trusts
	// (tokens from Server.ExternalToken).
	OpenIDProviders []string
	// AllowGuests lets the identity pool hand out unauthenticated (guest)
	// identities, with the role Demo.GuestRoleARN.
	AllowGuests bool
}

// SeedDemo creates a user pool with an app client (SRP, password and
// refresh flows enabled), a confirmed user, an IAM role, an identity pool
// trusting the user pool, and a bucket with a few objects.
func (s *Server) SeedDemo(o DemoOptions) (*Demo, error) {
	if o.Username == "" {
		o.Username = "alice"
	}
	if o.Password == "" {
		o.Password = "Correct-Horse-7"
	}
	if o.Email == "" {
		o.Email = o.Username + "@example.com"
	}
	if o.RoleMaxSession == 0 {
		o.RoleMaxSession = 12 * time.Hour
	}
	d := &Demo{Region: s.Region(), Username: o.Username, Password: o.Password, Bucket: "demo-bucket",
		RoleARN: "arn:aws:iam::123456789012:role/CognitoDemoAuthenticated"}
	var err error
	pool := o.Pool
	if pool.Name == "" {
		pool.Name = "demo-pool"
	}
	if d.UserPoolID, err = s.CreateUserPool(pool); err != nil {
		return nil, fmt.Errorf("seeding the user pool: %w", err)
	}
	d.ClientID, d.ClientSecret, err = s.CreateUserPoolClient(d.UserPoolID, ClientConfig{
		Name: "cognito-login-demo", GenerateSecret: o.ClientSecret,
		ExplicitAuthFlows:    append([]string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, o.ExtraFlows...),
		RefreshTokenRotation: o.RefreshTokenRotation, RotationGracePeriod: o.RotationGracePeriod,
		CallbackURLs: o.CallbackURLs,
	})
	if err != nil {
		return nil, fmt.Errorf("seeding the app client: %w", err)
	}
	attrs := map[string]string{"email": o.Email}
	if o.Phone != "" {
		attrs["phone_number"] = o.Phone
	}
	if _, err = s.CreateUser(d.UserPoolID, o.Username, o.Password, attrs, o.Temporary); err != nil {
		return nil, fmt.Errorf("seeding the user: %w", err)
	}
	if err = s.CreateRole(d.RoleARN, o.RoleMaxSession); err != nil {
		return nil, fmt.Errorf("seeding the role: %w", err)
	}
	if o.AllowGuests {
		d.GuestRoleARN = "arn:aws:iam::123456789012:role/CognitoDemoUnauthenticated"
		if err = s.CreateRole(d.GuestRoleARN, time.Hour); err != nil {
			return nil, fmt.Errorf("seeding the guest role: %w", err)
		}
	}
	d.IdentityPoolID, err = s.CreateIdentityPool(IdentityPoolConfig{
		Name: "demo_identities", UserPoolID: d.UserPoolID, ClientID: d.ClientID, AuthenticatedRoleARN: d.RoleARN,
		AllowUnauthenticated: o.AllowGuests, UnauthenticatedRoleARN: d.GuestRoleARN,
		OpenIDProviders: o.OpenIDProviders,
	})
	if err != nil {
		return nil, fmt.Errorf("seeding the identity pool: %w", err)
	}
	if err = s.CreateBucket(d.Bucket); err != nil {
		return nil, fmt.Errorf("seeding the bucket: %w", err)
	}
	objects := map[string]string{
		"README.txt":          "Objects listed with temporary credentials from a Cognito identity pool.\n",
		"reports/2026/q1.csv": "quarter,revenue\nq1,100\n",
		"reports/2026/q2.csv": "quarter,revenue\nq2,120\n",
		"images/logo.svg":     "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
	}
	base := s.now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	i := 0
	for _, k := range []string{"README.txt", "images/logo.svg", "reports/2026/q1.csv", "reports/2026/q2.csv"} {
		if err = s.PutObject(d.Bucket, k, []byte(objects[k]), base.Add(time.Duration(i)*time.Hour)); err != nil {
			return nil, fmt.Errorf("seeding object %s: %w", k, err)
		}
		d.Objects = append(d.Objects, k)
		i++
	}
	return d, nil
}

// ConfigTOML renders a cognito-login config file for the demo environment
// named env.
func (d *Demo) ConfigTOML(env string) string {
	secret := ""
	if d.ClientSecret != "" {
		secret = fmt.Sprintf("client_secret    = %q\n", d.ClientSecret)
	}
	return fmt.Sprintf(`default_env = %q

[env.%s]
region           = %q
user_pool_id     = %q
client_id        = %q
%sidentity_pool_id = %q
bucket           = %q
username         = %q
`, env, env, d.Region, d.UserPoolID, d.ClientID, secret, d.IdentityPoolID, d.Bucket, d.Username)
}
