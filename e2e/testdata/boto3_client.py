"""boto3 as a client of the cognitotest emulator (e2e.TestBoto3AgainstEmulator).

Signs in with cognito-idp InitiateAuth (USER_PASSWORD_AUTH), exchanges the
ID token through cognito-identity GetId / GetCredentialsForIdentity, and
lists a bucket with the temporary credentials: proof that the emulator
speaks boto3's wire formats (awsJson1_1, unsigned Cognito calls, SigV4 S3,
STS query).

Inputs come from the environment: E2E_ENDPOINT, E2E_REGION, E2E_USER_POOL_ID,
E2E_CLIENT_ID, E2E_IDENTITY_POOL_ID, E2E_BUCKET, E2E_USERNAME, E2E_PASSWORD.
Prints one JSON object on stdout; any failure is an exception (exit 1).
"""

import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def main():
    e = os.environ
    endpoint, region = e["E2E_ENDPOINT"], e["E2E_REGION"]
    pool_id, client_id = e["E2E_USER_POOL_ID"], e["E2E_CLIENT_ID"]
    cfg = Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=20)
    # No credentials anywhere: the Cognito sign-in calls are unsigned.
    session = boto3.session.Session(region_name=region)
    idp = session.client("cognito-idp", endpoint_url=endpoint, config=cfg)

    try:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": e["E2E_USERNAME"], "PASSWORD": e["E2E_PASSWORD"] + "-wrong"},
        )
        wrong = "no error"
    except ClientError as err:
        wrong = err.response["Error"]["Code"]

    auth = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": e["E2E_USERNAME"], "PASSWORD": e["E2E_PASSWORD"]},
    )["AuthenticationResult"]
    user = idp.get_user(AccessToken=auth["AccessToken"])

    ident = session.client("cognito-identity", endpoint_url=endpoint, config=cfg)
    logins = {"cognito-idp.%s.amazonaws.com/%s" % (region, pool_id): auth["IdToken"]}
    identity_id = ident.get_id(IdentityPoolId=e["E2E_IDENTITY_POOL_ID"], Logins=logins)["IdentityId"]
    creds = ident.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]

    aws = boto3.session.Session(
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretKey"],
        aws_session_token=creds["SessionToken"],
    )
    s3 = aws.client("s3", endpoint_url=endpoint, config=cfg.merge(Config(s3={"addressing_style": "path"})))
    listing = s3.list_objects_v2(Bucket=e["E2E_BUCKET"])
    body = s3.get_object(Bucket=e["E2E_BUCKET"], Key=listing["Contents"][0]["Key"])["Body"].read()
    caller = aws.client("sts", endpoint_url=endpoint, config=cfg).get_caller_identity()

    # Credentials the emulator did not issue must be refused.
    forged = boto3.session.Session(
        region_name=region, aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key="forged" + creds["SecretKey"][6:], aws_session_token=creds["SessionToken"],
    ).client("s3", endpoint_url=endpoint, config=cfg.merge(Config(s3={"addressing_style": "path"})))
    try:
        forged.list_objects_v2(Bucket=e["E2E_BUCKET"])
        forged_code = "no error"
    except ClientError as err:
        forged_code = err.response["Error"]["Code"]

    json.dump({
        "wrong_password_code": wrong,
        "token_type": auth.get("TokenType"),
        "has_refresh_token": bool(auth.get("RefreshToken")),
        "username": user["Username"],
        "identity_id": identity_id,
        "access_key_id": creds["AccessKeyId"],
        "expiration": creds["Expiration"].isoformat(),
        "keys": [o["Key"] for o in listing.get("Contents", [])],
        "first_object_bytes": len(body),
        "caller_arn": caller["Arn"],
        "forged_signature_code": forged_code,
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
