#!/usr/bin/env python3
"""Lints infra/template.yaml with cfn-lint, SAM resources included.

cfn-lint alone passes errors inside AWS::Serverless::* silently, so the template is first
expanded with aws-sam-translator (as CloudFormation would) and the expanded template is linted
too. Code locations become S3 placeholders: they are only known after `sam build`.
"""
import copy, json, os, subprocess, sys, tempfile

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")

from cfnlint.decode import decode  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402


class NoManagedPolicies:
    """The template names no AWS managed policies, so nothing needs to be looked up."""

    def load(self):
        return {}


def main(path):
    template, matches = decode(path)
    if matches:
        for match in matches:
            print(match)
        return 1
    sam = copy.deepcopy(template)
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://placeholder-bucket/upline.zip"
    expanded = transform(sam, {}, NoManagedPolicies())
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as out:
        json.dump(expanded, out, default=str)
    failed = False
    for target in (path, out.name):
        result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "cfn-lint"), target])
        failed |= result.returncode != 0
    resources = expanded["Resources"]
    functions = sum(1 for r in resources.values() if r["Type"] == "AWS::Lambda::Function")
    apis = [r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    routes = sum(len(methods) for api in apis for methods in api["Properties"]["Body"]["paths"].values())
    print(f"cfn-lint: {path} and its SAM expansion ({len(resources)} resources, {functions} functions, {routes} routes): {'FAILED' if failed else 'clean'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "template.yaml")))
