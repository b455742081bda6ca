#!/usr/bin/env python3
# Independent SigV4 vectors for the Swift tests, computed with botocore's S3SigV4Auth.
import botocore.auth, botocore.awsrequest, botocore.credentials, datetime, hashlib
from unittest import mock
def sign(method, url, headers, body=b"", token=None, region="us-east-1"):
    c = botocore.credentials.Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token)
    req = botocore.awsrequest.AWSRequest(method=method, url=url, headers=headers, data=body)
    req.headers['x-amz-content-sha256'] = hashlib.sha256(body).hexdigest()
    with mock.patch('botocore.auth.get_current_datetime', return_value=datetime.datetime(2013,5,24,0,0,0)):
        botocore.auth.S3SigV4Auth(c, "s3", region).add_auth(req)
    return req.headers['Authorization']
print(sign("GET","https://examplebucket.s3.amazonaws.com/test.txt",{"Range":"bytes=0-9"}))
print(sign("PUT","http://127.0.0.1:9000/ckpt-test/run%201/a%2Bb%3Dc/%C3%A9t%C3%A9.lsnap",{"If-None-Match":"*"}, b"Welcome to Amazon S3."))
print(sign("GET","http://127.0.0.1:9000/ckpt-test?list-type=2&prefix=run1%2Fcheckpoints%2F&delimiter=%2F&continuation-token=a%2Bb%3D%3D",{}))
print(sign("DELETE","https://s3.eu-west-3.amazonaws.com/bucket/key",{}, token="FQoGZXIvYXdzEXAMPLETOKEN", region="eu-west-3"))
