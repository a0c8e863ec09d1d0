console.log("aws-lb-controller");
