package organizations_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/keyward/keyward"
)

// TestAWSServiceAccess: the management account trusts AWS services with
// its organization (what Terraform's aws_organizations_organization reads
// and sets as aws_service_access_principals), listed by name with the
// date each was enabled; an unknown form of principal is refused, a
// policy decides with organizations:ServicePrincipal, and every change is
// audited.
func TestAWSServiceAccess(t *testing.T) {
	k, clock := newClocked(t)
	c := rootClient(k)
	ctx := context.Background()

	_, err := c.ListAWSServiceAccessForOrganization(ctx, &awsorg.ListAWSServiceAccessForOrganizationInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
	_, err = c.EnableAWSServiceAccess(ctx, &awsorg.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("sso.amazonaws.com")})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
	must2(t)(c.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{}))

	got, err := c.ListAWSServiceAccessForOrganization(ctx, &awsorg.ListAWSServiceAccessForOrganizationInput{})
	must(t, err)
	if got.EnabledServicePrincipals == nil || len(got.EnabledServicePrincipals) != 0 {
		t.Fatalf("a new organization trusts %+v", got.EnabledServicePrincipals)
	}
	must2(t)(c.EnableAWSServiceAccess(ctx, &awsorg.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("sso.amazonaws.com")}))
	clock.Add(time.Hour)
	must2(t)(c.EnableAWSServiceAccess(ctx, &awsorg.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("cloudtrail.amazonaws.com")}))
	// Again: no change, the first date stays.
	must2(t)(c.EnableAWSServiceAccess(ctx, &awsorg.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("sso.amazonaws.com")}))

	first, err := c.ListAWSServiceAccessForOrganization(ctx, &awsorg.ListAWSServiceAccessForOrganizationInput{MaxResults: aws.Int32(1)})
	must(t, err)
	if len(first.EnabledServicePrincipals) != 1 || *first.EnabledServicePrincipals[0].ServicePrincipal != "cloudtrail.amazonaws.com" ||
		!first.EnabledServicePrincipals[0].DateEnabled.Equal(time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)) || first.NextToken == nil {
		t.Fatalf("first page %+v", first)
	}
	second, err := c.ListAWSServiceAccessForOrganization(ctx, &awsorg.ListAWSServiceAccessForOrganizationInput{NextToken: first.NextToken})
	must(t, err)
	if len(second.EnabledServicePrincipals) != 1 || *second.EnabledServicePrincipals[0].ServicePrincipal != "sso.amazonaws.com" ||
		!second.EnabledServicePrincipals[0].DateEnabled.Equal(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)) || second.NextToken != nil {
		t.Fatalf("second page %+v", second)
	}

	for _, bad := range []string{"sso", "evil.example.com", "SSO.amazonaws.com"} {
		_, err := c.EnableAWSServiceAccess(ctx, &awsorg.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(bad)})
		var invalid *types.InvalidInputException
		if !errors.As(err, &invalid) || invalid.Reason != "UNRECOGNIZED_SERVICE_PRINCIPAL" {
			t.Errorf("EnableAWSServiceAccess %q: %v", bad, err)
		}
	}
	_, err = c.EnableAWSServiceAccess(ctx, &awsorg.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("a b")})
	var invalid *types.InvalidInputException
	if !errors.As(err, &invalid) || invalid.Reason != "INVALID_PATTERN" {
		t.Errorf("a principal outside the model's pattern: %v", err)
	}

	// A user allowed to trust one service only, by the condition key.
	id, secret := k.User(t, "ops", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"organizations:*AWSServiceAccess*","Resource":"*",
		 "Condition":{"StringEquals":{"organizations:ServicePrincipal":"config.amazonaws.com"}}},
		{"Effect":"Allow","Action":"organizations:ListAWSServiceAccessForOrganization","Resource":"*"}]}`)
	ops := orgClient(k, id, secret)
	must2(t)(ops.EnableAWSServiceAccess(ctx, &awsorg.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")}))
	_, err = ops.DisableAWSServiceAccess(ctx, &awsorg.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("sso.amazonaws.com")})
	var denied *types.AccessDeniedException
	if !errors.As(err, &denied) {
		t.Fatalf("disabling a service the policy does not name: %v", err)
	}

	must2(t)(c.DisableAWSServiceAccess(ctx, &awsorg.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("sso.amazonaws.com")}))
	all, err := ops.ListAWSServiceAccessForOrganization(ctx, &awsorg.ListAWSServiceAccessForOrganizationInput{})
	must(t, err)
	var names []string
	for _, p := range all.EnabledServicePrincipals {
		names = append(names, *p.ServicePrincipal)
	}
	if len(names) != 2 || names[0] != "cloudtrail.amazonaws.com" || names[1] != "config.amazonaws.com" {
		t.Fatalf("trusted after disabling sso: %v", names)
	}

	must(t, k.Audit.Flush(ctx))
	events, _, err := k.Store.LookupEvents(ctx, keyward.EventQuery{Source: keyward.EventSourceOrganizations, Max: 100})
	must(t, err)
	count := map[string]int{}
	for _, e := range events {
		count[e.Name]++
	}
	// Three enables by root, one by ops, one refused; one disable, one refused.
	if count["EnableAWSServiceAccess"] < 4 || count["DisableAWSServiceAccess"] < 2 {
		t.Fatalf("events %v", count)
	}
}
