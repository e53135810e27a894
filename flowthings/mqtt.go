package flowthings

// MQTTService is the /mqtt service: MQTT connections between a broker topic
// and a flow. Members: uri, topic, host, destination (broker → flow) or
// source (flow → broker), username, password, clientId, qos, version,
// reportFrequency, inputFormat, outputFormat, plus the task members.
//
// It has every operation of Service.
type MQTTService struct{ *Service }
