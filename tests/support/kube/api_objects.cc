#include "support/kube/api_objects.h"

#include "absl/strings/substitute.h"
#include "gtest/gtest.h"

namespace nsfence::kube::testing {

std::string NamespaceJson(absl::string_view name, absl::string_view team,
                          absl::string_view resource_version) {
  return absl::Substitute(R"json({
  "apiVersion": "v1",
  "kind": "Namespace",
  "metadata": {
    "creationTimestamp": "2024-05-14T09:12:41Z",
    "labels": {
      "kubernetes.io/metadata.name": "$0",
      "team": "$1"
    },
    "managedFields": [
      {
        "apiVersion": "v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": {
          "f:metadata": {
            "f:labels": {
              ".": {},
              "f:kubernetes.io/metadata.name": {},
              "f:team": {}
            }
          }
        },
        "manager": "kubectl-create",
        "operation": "Update",
        "time": "2024-05-14T09:12:41Z"
      }
    ],
    "name": "$0",
    "resourceVersion": "$2",
    "uid": "6c1f3b8e-2a47-4d0e-9f43-0d5a3c1e7b21"
  },
  "spec": {
    "finalizers": [
      "kubernetes"
    ]
  },
  "status": {
    "phase": "Active"
  }
})json",
                          name, team, resource_version);
}

std::string PodJson(absl::string_view ns, absl::string_view name, absl::string_view uid,
                    absl::string_view node, absl::string_view ip) {
  return absl::Substitute(R"json({
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "creationTimestamp": "2024-05-14T09:20:03Z",
    "generateName": "build-",
    "labels": {
      "batch.kubernetes.io/controller-uid": "0b7d2c9a-64f1-4b8e-8f0e-3e2a1d5c6b70",
      "batch.kubernetes.io/job-name": "build",
      "job-name": "build"
    },
    "managedFields": [
      {
        "apiVersion": "v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": {
          "f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:job-name": {}}},
          "f:spec": {"f:containers": {"k:{\"name\":\"runner\"}": {".": {}, "f:image": {}}}}
        },
        "manager": "kube-controller-manager",
        "operation": "Update",
        "time": "2024-05-14T09:20:03Z"
      },
      {
        "apiVersion": "v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": {
          "f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:podIP": {},
                       "f:podIPs": {".": {}, "k:{\"ip\":\"$4\"}": {".": {}, "f:ip": {}}}}
        },
        "manager": "kubelet",
        "operation": "Update",
        "subresource": "status",
        "time": "2024-05-14T09:20:05Z"
      }
    ],
    "name": "$1",
    "namespace": "$0",
    "ownerReferences": [
      {
        "apiVersion": "batch/v1",
        "blockOwnerDeletion": true,
        "controller": true,
        "kind": "Job",
        "name": "build",
        "uid": "0b7d2c9a-64f1-4b8e-8f0e-3e2a1d5c6b70"
      }
    ],
    "resourceVersion": "100",
    "uid": "$2"
  },
  "spec": {
    "containers": [
      {
        "image": "registry.example/ci/runner:1.4",
        "imagePullPolicy": "IfNotPresent",
        "name": "runner",
        "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "250m"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [
          {
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            "name": "kube-api-access-x7k2p",
            "readOnly": true
          }
        ]
      }
    ],
    "dnsPolicy": "ClusterFirst",
    "enableServiceLinks": true,
    "nodeName": "$3",
    "preemptionPolicy": "PreemptLowerPriority",
    "priority": 0,
    "restartPolicy": "Never",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "serviceAccount": "default",
    "serviceAccountName": "default",
    "terminationGracePeriodSeconds": 30,
    "tolerations": [
      {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "tolerationSeconds": 300
      }
    ]
  },
  "status": {
    "conditions": [
      {
        "lastProbeTime": null,
        "lastTransitionTime": "2024-05-14T09:20:05Z",
        "status": "True",
        "type": "Ready"
      }
    ],
    "containerStatuses": [
      {
        "containerID": "containerd://$2-c0",
        "image": "registry.example/ci/runner:1.4",
        "imageID": "registry.example/ci/runner@sha256:9f2c1e7d",
        "lastState": {},
        "name": "runner",
        "ready": true,
        "restartCount": 0,
        "started": true,
        "state": {"running": {"startedAt": "2024-05-14T09:20:04Z"}}
      }
    ],
    "hostIP": "192.0.2.10",
    "hostIPs": [{"ip": "192.0.2.10"}],
    "phase": "Running",
    "podIP": "$4",
    "podIPs": [{"ip": "$4"}],
    "qosClass": "Burstable",
    "startTime": "2024-05-14T09:20:03Z"
  }
})json",
                          ns, name, uid, node, ip);
}

std::string IsolationPolicyJson(absl::string_view name) {
  return absl::Substitute(R"json({
  "apiVersion": "nsfence.io/v1alpha1",
  "kind": "IsolationPolicy",
  "metadata": {
    "annotations": {
      "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"nsfence.io/v1alpha1\",\"kind\":\"IsolationPolicy\",\"metadata\":{\"annotations\":{},\"name\":\"$0\"}}\n"
    },
    "creationTimestamp": "2024-05-14T10:02:11Z",
    "generation": 3,
    "labels": {"owner": "platform"},
    "managedFields": [
      {
        "apiVersion": "nsfence.io/v1alpha1",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:annotations": {}}, "f:spec": {".": {}, "f:mode": {}}},
        "manager": "kubectl-client-side-apply",
        "operation": "Update",
        "time": "2024-05-14T10:02:11Z"
      }
    ],
    "name": "$0",
    "resourceVersion": "48213",
    "uid": "d2b4f7e1-8c3a-4f6b-a1e9-5b7c0d3e2f48"
  },
  "spec": {
    "mode": "enforce",
    "namespaceSelector": {"matchLabels": {"nsfence.io/tier": "jobs"}},
    "network": {
      "egress": [
        {
          "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "platform-api"}}}],
          "ports": [{"protocol": "TCP", "port": 443}]
        },
        {"to": [{"ipBlock": {"cidr": "10.96.0.10/32"}}], "ports": [{"protocol": "UDP", "port": 53}]}
      ]
    }
  },
  "status": {"observedGeneration": 3}
})json",
                          name);
}

Struct Parse(absl::string_view json) {
  absl::StatusOr<Struct> object = ParseJsonObject(json, "test object");
  EXPECT_TRUE(object.ok()) << object.status();
  return object.ok() ? *std::move(object) : Struct();
}

}  // namespace nsfence::kube::testing
