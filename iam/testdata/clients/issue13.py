"""Every IAM operation issue 13 added, called with boto3 as audit tools and
scripts call them. Prints "ok <Operation>" for each call that behaved as
AWS documents; exits non-zero at the first that did not."""
import base64, hashlib, hmac, os, struct, sys, time

import boto3
from botocore.exceptions import ClientError

iam = boto3.client("iam", endpoint_url=os.environ["KEYWARD_URL"], region_name="us-east-1")
fixtures = os.environ["FIXTURES"]
now = float(os.environ["KEYWARD_NOW"])  # the server's clock


def read(name):
    with open(os.path.join(fixtures, name)) as f:
        return f.read()


def ok(op):
    print("ok", op, flush=True)


def fails(code, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        if e.response["Error"]["Code"] == code:
            return
        raise
    sys.exit("%s did not fail with %s" % (fn.__name__, code))


def totp(seed, t):
    # RFC 6238 with AWS's parameters; the Go tests check Keyward against a
    # TOTP library, this only drives boto3.
    key = base64.b32decode(seed + "=" * (-len(seed) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t) // 30), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


iam.create_user(UserName="carol")

d = iam.create_virtual_mfa_device(VirtualMFADeviceName="carol-phone", Tags=[{"Key": "k", "Value": "v"}])["VirtualMFADevice"]
serial, seed = d["SerialNumber"], d["Base32StringSeed"].decode()
assert d["QRCodePNG"][:4] == b"\x89PNG"
ok("CreateVirtualMFADevice")
iam.enable_mfa_device(UserName="carol", SerialNumber=serial, AuthenticationCode1=totp(seed, now - 30), AuthenticationCode2=totp(seed, now))
ok("EnableMFADevice")
assert [m["SerialNumber"] for m in iam.list_mfa_devices(UserName="carol")["MFADevices"]] == [serial]
ok("ListMFADevices")
assert iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"][0]["User"]["UserName"] == "carol"
ok("ListVirtualMFADevices")
iam.resync_mfa_device(UserName="carol", SerialNumber=serial, AuthenticationCode1=totp(seed, now + 30), AuthenticationCode2=totp(seed, now + 60))
ok("ResyncMFADevice")
iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "team", "Value": "ops"}])
ok("TagMFADevice")
iam.untag_mfa_device(SerialNumber=serial, TagKeys=["k"])
ok("UntagMFADevice")
assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "team", "Value": "ops"}]
ok("ListMFADeviceTags")
fails("DeleteConflict", iam.delete_virtual_mfa_device, SerialNumber=serial)
iam.deactivate_mfa_device(UserName="carol", SerialNumber=serial)
ok("DeactivateMFADevice")
iam.delete_virtual_mfa_device(SerialNumber=serial)
ok("DeleteVirtualMFADevice")

k = iam.upload_ssh_public_key(UserName="carol", SSHPublicKeyBody=read("ssh.pub"))["SSHPublicKey"]
assert k["Fingerprint"] == read("ssh.md5").strip()
ok("UploadSSHPublicKey")
assert iam.get_ssh_public_key(UserName="carol", SSHPublicKeyId=k["SSHPublicKeyId"], Encoding="PEM")["SSHPublicKey"]["SSHPublicKeyBody"].strip() == read("ssh.pem").strip()
ok("GetSSHPublicKey")
iam.update_ssh_public_key(UserName="carol", SSHPublicKeyId=k["SSHPublicKeyId"], Status="Inactive")
ok("UpdateSSHPublicKey")
assert iam.list_ssh_public_keys(UserName="carol")["SSHPublicKeys"][0]["Status"] == "Inactive"
ok("ListSSHPublicKeys")
iam.delete_ssh_public_key(UserName="carol", SSHPublicKeyId=k["SSHPublicKeyId"])
ok("DeleteSSHPublicKey")

c = iam.create_service_specific_credential(UserName="carol", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
assert c["ServiceUserName"].startswith("carol-at-") and len(c["ServicePassword"]) >= 40
ok("CreateServiceSpecificCredential")
r = iam.reset_service_specific_credential(UserName="carol", ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"])
assert r["ServiceSpecificCredential"]["ServicePassword"] != c["ServicePassword"]
ok("ResetServiceSpecificCredential")
iam.update_service_specific_credential(UserName="carol", ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"], Status="Inactive")
ok("UpdateServiceSpecificCredential")
assert iam.list_service_specific_credentials(UserName="carol")["ServiceSpecificCredentials"][0]["Status"] == "Inactive"
ok("ListServiceSpecificCredentials")
iam.delete_service_specific_credential(UserName="carol", ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"])
ok("DeleteServiceSpecificCredential")

cert = iam.upload_signing_certificate(UserName="carol", CertificateBody=read("cert.pem"))["Certificate"]
ok("UploadSigningCertificate")
iam.update_signing_certificate(UserName="carol", CertificateId=cert["CertificateId"], Status="Inactive")
ok("UpdateSigningCertificate")
assert iam.list_signing_certificates(UserName="carol")["Certificates"][0]["Status"] == "Inactive"
ok("ListSigningCertificates")
iam.delete_signing_certificate(UserName="carol", CertificateId=cert["CertificateId"])
ok("DeleteSigningCertificate")

sc = iam.upload_server_certificate(ServerCertificateName="web", CertificateBody=read("server.pem"), PrivateKey=read("server.key"),
                                   CertificateChain=read("chain.pem"))["ServerCertificateMetadata"]
assert sc["ServerCertificateId"].startswith("ASCA")
ok("UploadServerCertificate")
assert "PrivateKey" not in iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
ok("GetServerCertificate")
iam.tag_server_certificate(ServerCertificateName="web", Tags=[{"Key": "env", "Value": "prod"}])
ok("TagServerCertificate")
assert iam.list_server_certificate_tags(ServerCertificateName="web")["Tags"] == [{"Key": "env", "Value": "prod"}]
ok("ListServerCertificateTags")
iam.untag_server_certificate(ServerCertificateName="web", TagKeys=["env"])
ok("UntagServerCertificate")
iam.update_server_certificate(ServerCertificateName="web", NewServerCertificateName="www")
ok("UpdateServerCertificate")
assert [m["ServerCertificateName"] for m in iam.list_server_certificates()["ServerCertificateMetadataList"]] == ["www"]
ok("ListServerCertificates")
iam.delete_server_certificate(ServerCertificateName="www")
ok("DeleteServerCertificate")

iam.create_account_alias(AccountAlias="boto-example")
ok("CreateAccountAlias")
assert iam.list_account_aliases()["AccountAliases"] == ["boto-example"]
ok("ListAccountAliases")
iam.delete_account_alias(AccountAlias="boto-example")
ok("DeleteAccountAlias")
assert iam.get_account_summary()["SummaryMap"]["Users"] >= 1
ok("GetAccountSummary")

doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}'
arn = iam.create_policy(PolicyName="ListOnly", PolicyDocument=doc, Tags=[{"Key": "owner", "Value": "ops"}])["Policy"]["Arn"]
iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "cost", "Value": "1"}])
ok("TagPolicy")
iam.untag_policy(PolicyArn=arn, TagKeys=["owner"])
ok("UntagPolicy")
assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "cost", "Value": "1"}]
ok("ListPolicyTags")
iam.attach_user_policy(UserName="carol", PolicyArn=arn)
assert [u["UserName"] for u in iam.list_entities_for_policy(PolicyArn=arn)["PolicyUsers"]] == ["carol"]
ok("ListEntitiesForPolicy")
iam.put_user_permissions_boundary(UserName="carol", PermissionsBoundary=arn)
assert iam.get_user(UserName="carol")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
ok("PutUserPermissionsBoundary")
details = iam.get_paginator("get_account_authorization_details").paginate(Filter=["User", "LocalManagedPolicy"], PaginationConfig={"PageSize": 1})
pages = list(details)
users = [u["UserName"] for page in pages for u in page["UserDetailList"]]
assert "carol" in users
# botocore decodes the URL-encoded documents into dicts, as cloudsplaining
# reads them: the encoding is AWS's.
versions = [v for page in pages for p in page["Policies"] for v in p["PolicyVersionList"]]
assert versions and all(isinstance(v["Document"], dict) for v in versions), versions
ok("GetAccountAuthorizationDetails")
iam.delete_user_permissions_boundary(UserName="carol")
ok("DeleteUserPermissionsBoundary")
carol = "arn:aws:iam::123456789012:user/carol"
assert iam.get_context_keys_for_principal_policy(PolicySourceArn=carol)["ContextKeyNames"] == ["aws:SecureTransport"]
ok("GetContextKeysForPrincipalPolicy")
assert iam.get_context_keys_for_custom_policy(PolicyInputList=[doc])["ContextKeyNames"] == ["aws:SecureTransport"]
ok("GetContextKeysForCustomPolicy")
res = iam.simulate_custom_policy(PolicyInputList=[doc], ActionNames=["iam:ListUsers"],
                                 ContextEntries=[{"ContextKeyName": "aws:SecureTransport", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"}])
assert res["EvaluationResults"][0]["EvalDecision"] == "allowed"
ok("SimulateCustomPolicy")

iam.create_group(GroupName="g")
iam.update_group(GroupName="g", NewGroupName="h")
ok("UpdateGroup")
for op, key in [("list_roles", "Roles"), ("list_instance_profiles", "InstanceProfiles"),
                ("list_saml_providers", "SAMLProviderList"), ("list_open_id_connect_providers", "OpenIDConnectProviderList")]:
    assert getattr(iam, op)()[key] == []
    ok("".join(w.capitalize() for w in op.split("_")).replace("OpenIdConnect", "OpenIDConnect").replace("Saml", "SAML"))

job = iam.generate_service_last_accessed_details(Arn=carol)["JobId"]
ok("GenerateServiceLastAccessedDetails")
details = iam.get_service_last_accessed_details(JobId=job)
assert details["JobStatus"] == "COMPLETED" and [s["ServiceNamespace"] for s in details["ServicesLastAccessed"]] == ["iam"]
ok("GetServiceLastAccessedDetails")
assert iam.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="iam")["EntityDetailsList"][0]["EntityInfo"]["Name"] == "carol"
ok("GetServiceLastAccessedDetailsWithEntities")
granting = iam.list_policies_granting_service_access(Arn=carol, ServiceNamespaces=["iam"])["PoliciesGrantingServiceAccess"]
assert granting[0]["Policies"][0]["PolicyName"] == "ListOnly"
ok("ListPoliciesGrantingServiceAccess")
iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 2
ok("SetSecurityTokenServicePreferences")
