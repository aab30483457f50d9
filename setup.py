from setuptools import find_packages, setup

setup(
    name="ztoq-luigi",
    version="0.1.0",
    description="Migrate Zephyr Scale Cloud test management data to qTest Manager with a resumable Luigi pipeline",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.9",
    packages=find_packages(exclude=["tests", "tests.*"]),
    include_package_data=True,
    package_data={"ztoq_luigi": ["reports/templates/*", "config_defaults/*"]},
    install_requires=[
        "luigi>=3.5",
        "requests>=2.28",
        "marshmallow>=3.19",
        "peewee>=3.16",
        "psycopg2-binary>=2.9",
        "jinja2>=3.1",
        "pyyaml>=6.0",
        "tenacity>=8.3",
        "rich>=13.0",
    ],
    extras_require={"test": ["pytest>=7", "pytest-timeout>=2.1", "responses>=0.23", "qtest-swagger-client==0.0.3",
                             "openapi-core>=0.19", "jsonschema>=4.18"]},
    entry_points={"console_scripts": ["ztoq=ztoq_luigi.cli:main"]},
)
