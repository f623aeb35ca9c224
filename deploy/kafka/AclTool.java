// Creates Kafka ACLs with the Java Admin client (aiokafka's admin has no CreateAcls), one JVM for all of them.
// Run without compiling (JDK source launcher), with the broker's jars on the class path:
//   java -cp '.run/kafka/jars/*' deploy/kafka/AclTool.java BOOTSTRAP ADMIN_USER ADMIN_PASSWORD < acls.tsv
// Each stdin line: ALLOW|DENY <tab> principal <tab> TOPIC|GROUP <tab> name <tab> LITERAL|PREFIXED <tab> OPERATION
// The lines come from deploy/kafka/access.py (dvckit.apache_kafka.acl_lines).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class AclTool {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", args[0]);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "SCRAM-SHA-512");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
              + args[1] + "\" password=\"" + args[2] + "\";");
        List<AclBinding> acls = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t");
            acls.add(new AclBinding(
                new ResourcePattern(ResourceType.valueOf(f[2]), f[3], PatternType.valueOf(f[4])),
                new AccessControlEntry(f[1], "*", AclOperation.valueOf(f[5]), AclPermissionType.valueOf(f[0]))));
        }
        try (Admin admin = Admin.create(p)) {
            admin.createAcls(acls).all().get();
            System.out.println("created " + acls.size() + " ACLs");
        }
    }
}
